/**
 * @module `overseerr-to-nomad`: move Overseerr from docker-compose on an SSH host to a Nomad job with a
 * CSI volume for its config and Litestream (restore prestart task + replicate sidecar), verified
 * through Overseerr's API — one approval (stopping the container), every step live, rollback kind
 * beside it.
 */
import { z } from 'zod';
import { defineJobKind } from './define';
import { AbsPath, DockerName, ImageRef, LitestreamReplica, NomadId } from './overseerr-shared';
import { HttpBaseUrl, NomadTarget, Port, SshHost, SshTarget, nomadTokenEnv } from './targets';

export const OverseerrJobspec = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('template'),
    image: ImageRef.default('sctx/overseerr:1.33.2'),
    cpu: z.number().int().min(50).max(64_000).default(500),
    memoryMb: z.number().int().min(128).max(262_144).default(512),
    tz: z.string().regex(/^[A-Za-z0-9_+\/-]{1,64}$/).default('Etc/UTC'),
    serviceName: NomadId.default('overseerr'),
    tags: z.array(z.string().max(512).regex(/^[^\u0000-\u001f"\\]*$/, 'tags must not contain quotes, backslashes or control characters')).max(32).default([]),
  }),
  z.strictObject({
    mode: z.literal('hcl'),
    /** The operator's own jobspec, parsed by Nomad (/v1/jobs/parse). */
    hcl: z.string().min(1).max(256 * 1024),
    variables: z.string().max(64 * 1024).optional(),
    serviceName: NomadId.default('overseerr'),
  }),
]);
export type OverseerrJobspec = z.infer<typeof OverseerrJobspec>;

export const CsiVolumeParams = z.strictObject({
  id: NomadId.default('overseerr-config'),
  pluginId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  mode: z.enum(['create', 'register']).default('create'),
  /** For `register`: the storage system's volume id. */
  externalId: z.string().regex(/^[A-Za-z0-9_.:/-]{1,255}$/).optional(),
  capacityMinBytes: z.number().int().positive().max(2 ** 50).default(1024 ** 3),
  accessMode: z.enum(['single-node-writer', 'single-node-reader-only', 'multi-node-reader-only', 'multi-node-single-writer', 'multi-node-multi-writer']).default('single-node-writer'),
  attachmentMode: z.enum(['file-system', 'block-device']).default('file-system'),
});

export const OverseerrToNomadParams = z
  .strictObject({
    dockerHost: SshTarget,
    container: DockerName.default('overseerr'),
    /** Where /app/config lives: a docker volume name, a host path, or (neither) auto from docker inspect. */
    configVolume: DockerName.optional(),
    configPath: AbsPath.optional(),
    /** Overseerr's URL before the move (default http://<docker host>:<published port>). */
    overseerrUrl: HttpBaseUrl.optional(),
    backupDir: AbsPath.default('/var/backups/plexops'),
    nomad: NomadTarget,
    datacenters: z.array(z.string().regex(/^[A-Za-z0-9_*-]{1,64}$/)).min(1).max(16).default(['dc1']),
    jobName: NomadId.default('overseerr'),
    jobspec: OverseerrJobspec.default({ mode: 'template', image: 'sctx/overseerr:1.33.2', cpu: 500, memoryMb: 512, tz: 'Etc/UTC', serviceName: 'overseerr', tags: [] }),
    volume: CsiVolumeParams,
    litestream: LitestreamReplica,
    /** An SSH host that mounts the CSI volume, and the volume's path there (e.g. /storage/v/overseerr-config). */
    settingsTarget: z.strictObject({ host: SshTarget, path: AbsPath, owner: z.string().regex(/^\d{1,10}:\d{1,10}$/).default('1000:1000') }),
    /** New Plex address written into settings.json (plex.ip / port / useSsl); other keys are kept. */
    plex: z.strictObject({ ip: SshHost, port: Port, useSsl: z.boolean() }).optional(),
    healthTimeoutSeconds: z.number().int().min(10).max(3600).default(600),
    /**
     * The live seed (Litestream replicating the running DB from before the approval) stops by
     * itself after this long; an approval given later makes the stop step seed again, inside the
     * downtime.
     */
    liveSeedHours: z.number().int().min(1).max(168).default(24),
  })
  .refine((p) => !(p.configVolume && p.configPath), { message: 'give configVolume or configPath, not both', path: ['configPath'] });
export type OverseerrToNomadParams = z.infer<typeof OverseerrToNomadParams>;

export const overseerrToNomad = defineJobKind({
  kind: 'overseerr-to-nomad',
  title: 'Move Overseerr to Nomad',
  description:
    'Moves Overseerr from docker-compose to a Nomad job. While Overseerr still runs: backs up its config, creates the ' +
    'CSI volume, renders and plans the job (shown before the approval) and seeds a Litestream replica from the live DB. ' +
    'After the approval: stops the container, lets the replica catch up, proves it with a restored copy, copies ' +
    'settings.json, deploys the job and verifies users, requests and integrations through Overseerr\'s API. Roll back ' +
    'with overseerr-to-nomad-rollback.',
  params: OverseerrToNomadParams,
  // Work that can run while Overseerr still serves comes before the approval; the downtime is
  // stop → verify (the README's "Move Overseerr to Nomad" lists what each step does).
  steps: [
    { id: 'preflight', title: 'Preflight: docker host, container, Nomad, replica', idempotency: 'idempotent' },
    { id: 'inventory', title: 'Inventory: config, DB integrity, row counts, version', idempotency: 'idempotent' },
    { id: 'backup', title: 'Back up the config directory', idempotency: 'idempotent' },
    { id: 'volume', title: 'Create or register the CSI volume', idempotency: 'idempotent' },
    { id: 'plan', title: 'Render the Nomad job and plan it (no changes)', idempotency: 'idempotent' },
    { id: 'seed-replica', title: 'Seed the Litestream replica from the running DB and test a restore', idempotency: 'non-idempotent' },
    { id: 'stop', title: 'Stop Overseerr (downtime starts) and let the replica catch up', needsApproval: true, idempotency: 'idempotent' },
    { id: 'check-replica', title: 'Restore the replica to a scratch copy and compare row counts', idempotency: 'idempotent' },
    { id: 'settings', title: 'Copy settings.json to the volume', idempotency: 'idempotent' },
    { id: 'deploy', title: 'Register the planned job and wait for Overseerr to answer', idempotency: 'idempotent' },
    { id: 'verify', title: 'Verify through Overseerr\'s API (downtime ends)', idempotency: 'idempotent' },
    { id: 'settle', title: 'Wait for a healthy deployment and the Litestream sidecar', idempotency: 'idempotent' },
    { id: 'report', title: 'Report', idempotency: 'idempotent' },
  ],
  targets: (p) => ({ ssh: [p.dockerHost, p.settingsTarget.host], nomad: [p.nomad] }),
  secretEnv: (p) => [nomadTokenEnv(p.nomad), p.litestream.accessKeyIdEnv, p.litestream.secretAccessKeyEnv],
});
