/**
 * @module
 * The built-in Overseerr jobspec as Nomad's JSON `api.Job` (the plan step logs it, before the approval):
 * one group with a dynamic port `http` → 5055, the CSI volume at /app/config, the SQLite DB on the
 * allocation's ephemeral disk (alloc/data/db bound at /app/config/db — WAL on network storage
 * corrupts it, sct/overseerr#1534), a Litestream `restore -if-db-not-exists -if-replica-exists`
 * prestart task, a `replicate` poststart sidecar (never two replicators on one path: the restore
 * finishes first), S3 credentials from a Nomad Variable through a template (plexops never holds
 * them), and a service with an HTTP check on /api/v1/status.
 */
import type { OverseerrToNomadParams } from '../../../../worker/src/contracts/job-kinds';
import { NomadApiError } from '../../executors/nomad-client';
import { StepFailure, type StepContext } from '../types';
import { nomadClient, nomadFailure } from './remote';

type Json = Record<string, unknown>;
type Ctx = StepContext<OverseerrToNomadParams>;

type Template = Extract<OverseerrToNomadParams['jobspec'], { mode: 'template' }>;

export function litestreamTemplate(p: OverseerrToNomadParams): string {
  const l = p.litestream;
  return [
    'dbs:',
    '  - path: /alloc/data/db/db.sqlite3',
    '    replicas:',
    '      - type: s3',
    `        bucket: ${l.bucket}`,
    `        path: ${l.path}`,
    `        endpoint: ${l.endpoint}`,
    `        region: ${l.region}`,
    `        force-path-style: ${l.forcePathStyle}`,
    `{{- with nomadVar "${l.nomadVariable}" }}`,
    '        access-key-id: {{ .access_key_id }}',
    '        secret-access-key: {{ .secret_access_key }}',
    '{{- end }}',
    '',
  ].join('\n');
}

const NS = 1e9;

export function renderOverseerrJob(p: OverseerrToNomadParams, spec: Template): Record<string, unknown> {
  const litestreamTask = (name: string, hook: 'prestart' | 'poststart', args: string[]) => ({
    Name: name,
    Driver: 'docker',
    Lifecycle: { Hook: hook, Sidecar: hook === 'poststart' },
    Config: { image: p.litestream.image, args },
    Templates: [{ DestPath: 'local/litestream.yml', EmbeddedTmpl: litestreamTemplate(p), ChangeMode: 'restart', Perms: '0600' }],
    Resources: { CPU: 100, MemoryMB: 128 },
  });
  return {
    ID: p.jobName,
    Name: p.jobName,
    Type: 'service',
    ...(p.nomad.namespace ? { Namespace: p.nomad.namespace } : {}),
    Datacenters: p.datacenters,
    Meta: { 'managed-by': 'plexops', 'plexops-kind': 'overseerr-to-nomad' },
    TaskGroups: [
      {
        Name: 'overseerr',
        Count: 1,
        Networks: [{ DynamicPorts: [{ Label: 'http', Value: 0, To: 5055 }] }],
        Volumes: { config: { Name: 'config', Type: 'csi', Source: p.volume.id, ReadOnly: false, AccessMode: p.volume.accessMode, AttachmentMode: p.volume.attachmentMode } },
        RestartPolicy: { Attempts: 2, Interval: 1800 * NS, Delay: 15 * NS, Mode: 'fail' },
        EphemeralDisk: { SizeMB: 1024, Migrate: false, Sticky: false },
        Update: { HealthCheck: 'checks', MinHealthyTime: 10 * NS, HealthyDeadline: p.healthTimeoutSeconds * NS, ProgressDeadline: (p.healthTimeoutSeconds + 60) * NS, AutoRevert: false, MaxParallel: 1 },
        Tasks: [
          litestreamTask('litestream-restore', 'prestart', ['restore', '-if-db-not-exists', '-if-replica-exists', '-config', '/local/litestream.yml', '/alloc/data/db/db.sqlite3']),
          {
            Name: 'overseerr',
            Driver: 'docker',
            Config: { image: spec.image, ports: ['http'], mount: [{ type: 'bind', source: '../alloc/data/db', target: '/app/config/db' }] },
            Env: { TZ: spec.tz, LOG_LEVEL: 'info' },
            VolumeMounts: [{ Volume: 'config', Destination: '/app/config', ReadOnly: false }],
            Resources: { CPU: spec.cpu, MemoryMB: spec.memoryMb },
            Services: [
              {
                Name: spec.serviceName,
                PortLabel: 'http',
                Provider: 'nomad',
                Tags: spec.tags,
                Checks: [{ Name: 'overseerr status', Type: 'http', Path: '/api/v1/status', Interval: 10 * NS, Timeout: 2 * NS }],
              },
            ],
          },
          litestreamTask('litestream-replicate', 'poststart', ['replicate', '-config', '/local/litestream.yml']),
        ],
      },
    ],
  };
}

/** The job to register: the built-in template, or the operator's HCL parsed by Nomad (a parse error fails the step with Nomad's diagnostic). */
export async function buildJob(ctx: Ctx): Promise<Json> {
  const p = ctx.params;
  if (p.jobspec.mode === 'template') return renderOverseerrJob(p, p.jobspec);
  try {
    const job = await nomadClient(ctx, p.nomad).post<Json | null>('/v1/jobs/parse', { JobHCL: p.jobspec.hcl, Canonicalize: true, ...(p.jobspec.variables ? { Variables: p.jobspec.variables } : {}) });
    // A dry run sends nothing, so Nomad has not parsed the HCL: the preview says so in place of the job.
    if (ctx.dryRun || !job) return { ID: p.jobName, DryRun: 'the job as Nomad parses it from the HCL (POST /v1/jobs/parse) is shown here in a real run' };
    if (job.ID !== p.jobName) throw new StepFailure(`the HCL defines job "${String(job.ID)}", but jobName is "${p.jobName}"`, 'BAD_HCL');
    return job;
  } catch (err) {
    if (err instanceof NomadApiError && err.status === 400) throw new StepFailure(`Nomad could not parse the jobspec: ${err.message.replace(/^HTTP 400: /, '')}`, 'BAD_HCL');
    throw nomadFailure(err, 'jobs/parse', p.nomad);
  }
}

