/**
 * @module nomad-sim/jobspec
 * Turns a parsed HCL jobspec into the JSON `api.Job` that Nomad's
 * `POST /v1/jobs/parse` returns (jobspec2 field mapping: `port` blocks become
 * DynamicPorts/ReservedPorts, `volume` blocks a map keyed by label, durations
 * nanoseconds, driver `config` kept with its HCL keys). Blocks the simulator
 * models are schema-checked like jobspec2 ("Unsupported argument", "Unsupported
 * block type"); other real jobspec blocks are accepted and converted
 * generically (snake_case → PascalCase), which is close but not exact.
 */
import { parseGoDuration } from './duration';
import { type Block, type Body, evaluate, HclError, parseHcl, type Value } from './hcl';

type Obj = { [k: string]: Value };
type AttrKind = 'plain' | 'duration' | 'map' | 'string';
interface BlockRule {
  key: string;
  spec: Spec | 'free' | 'map' | 'generic';
  mode: 'list' | 'single' | 'byLabel';
  labelKey?: string;
}
interface Spec {
  attrs: Record<string, [string, AttrKind?]>;
  blocks: Record<string, BlockRule>;
  generic?: string[];
}

const pascal = (s: string): string =>
  s
    .split('_')
    .map((w) => (w === 'id' ? 'ID' : w === 'cpu' ? 'CPU' : w === 'mb' ? 'MB' : (w[0] ?? '').toUpperCase() + w.slice(1)))
    .join('');

const constraint: Spec = {
  attrs: { attribute: ['LTarget'], value: ['RTarget'], operator: ['Operand'], version: ['RTarget'], regexp: ['RTarget'], distinct_hosts: ['RTarget'], distinct_property: ['LTarget'] },
  blocks: {},
};
const check: Spec = {
  attrs: {
    name: ['Name'], type: ['Type'], path: ['Path'], port: ['PortLabel'], protocol: ['Protocol'], method: ['Method'],
    interval: ['Interval', 'duration'], timeout: ['Timeout', 'duration'], command: ['Command'], args: ['Args'],
    expose: ['Expose'], task: ['TaskName'], initial_status: ['InitialStatus'], tls_skip_verify: ['TLSSkipVerify'],
    header: ['Header', 'map'], address_mode: ['AddressMode'], on_update: ['OnUpdate'],
  },
  blocks: { check_restart: { key: 'CheckRestart', spec: 'generic', mode: 'single' } },
};
const service: Spec = {
  attrs: {
    name: ['Name'], port: ['PortLabel', 'string'], tags: ['Tags'], canary_tags: ['CanaryTags'], provider: ['Provider'],
    address_mode: ['AddressMode'], address: ['Address'], task: ['TaskName'], meta: ['Meta', 'map'], on_update: ['OnUpdate'],
    enable_tag_override: ['EnableTagOverride'],
  },
  blocks: { check: { key: 'Checks', spec: check, mode: 'list' }, meta: { key: 'Meta', spec: 'map', mode: 'single' } },
  generic: ['connect', 'identity', 'tagged_addresses', 'kind', 'weights', 'cluster'],
};
const template: Spec = {
  attrs: {
    source: ['SourcePath'], destination: ['DestPath'], data: ['EmbeddedTmpl'], change_mode: ['ChangeMode'], change_signal: ['ChangeSignal'],
    splay: ['Splay', 'duration'], perms: ['Perms'], uid: ['Uid'], gid: ['Gid'], left_delimiter: ['LeftDelim'], right_delimiter: ['RightDelim'],
    env: ['Envvars'], error_on_missing_key: ['ErrMissingKey'], vault_grace: ['VaultGrace', 'duration'],
  },
  blocks: {},
  generic: ['wait', 'change_script'],
};
const task: Spec = {
  attrs: {
    driver: ['Driver'], user: ['User'], kill_timeout: ['KillTimeout', 'duration'], kill_signal: ['KillSignal'], leader: ['Leader'],
    shutdown_delay: ['ShutdownDelay', 'duration'], env: ['Env', 'map'], meta: ['Meta', 'map'], config: ['Config', 'map'],
  },
  blocks: {
    config: { key: 'Config', spec: 'free', mode: 'single' },
    env: { key: 'Env', spec: 'map', mode: 'single' },
    meta: { key: 'Meta', spec: 'map', mode: 'single' },
    resources: {
      key: 'Resources',
      spec: { attrs: { cpu: ['CPU'], cores: ['Cores'], memory: ['MemoryMB'], memory_max: ['MemoryMaxMB'] }, blocks: {}, generic: ['device', 'numa', 'network'] },
      mode: 'single',
    },
    volume_mount: {
      key: 'VolumeMounts',
      spec: { attrs: { volume: ['Volume'], destination: ['Destination'], read_only: ['ReadOnly'], propagation_mode: ['PropagationMode'], selinux_label: ['SELinuxLabel'] }, blocks: {} },
      mode: 'list',
    },
    service: { key: 'Services', spec: service, mode: 'list' },
    template: { key: 'Templates', spec: template, mode: 'list' },
    constraint: { key: 'Constraints', spec: constraint, mode: 'list' },
    lifecycle: { key: 'Lifecycle', spec: { attrs: { hook: ['Hook'], sidecar: ['Sidecar'] }, blocks: {} }, mode: 'single' },
    logs: { key: 'LogConfig', spec: { attrs: { max_files: ['MaxFiles'], max_file_size: ['MaxFileSizeMB'], disabled: ['Disabled'] }, blocks: {} }, mode: 'single' },
  },
  generic: ['artifact', 'vault', 'identity', 'restart', 'affinity', 'csi_plugin', 'dispatch_payload', 'scaling', 'consul', 'action', 'schedule', 'kill_timeout'],
};
const port: Spec = { attrs: { static: ['Value'], to: ['To'], host_network: ['HostNetwork'] }, blocks: {} };
const group: Spec = {
  attrs: {
    count: ['Count'], meta: ['Meta', 'map'], shutdown_delay: ['ShutdownDelay', 'duration'], max_client_disconnect: ['MaxClientDisconnect', 'duration'],
    stop_after_client_disconnect: ['StopAfterClientDisconnect', 'duration'], prevent_reschedule_on_lost: ['PreventRescheduleOnLost'],
  },
  blocks: {
    task: { key: 'Tasks', spec: task, mode: 'list', labelKey: 'Name' },
    network: {
      key: 'Networks',
      spec: { attrs: { mode: ['Mode'], hostname: ['Hostname'] }, blocks: { port: { key: 'DynamicPorts', spec: port, mode: 'list', labelKey: 'Label' } }, generic: ['dns', 'cni'] },
      mode: 'list',
    },
    volume: {
      key: 'Volumes',
      spec: {
        attrs: { type: ['Type'], source: ['Source'], read_only: ['ReadOnly'], access_mode: ['AccessMode'], attachment_mode: ['AttachmentMode'], per_alloc: ['PerAlloc'], sticky: ['Sticky'] },
        blocks: {},
        generic: ['mount_options'],
      },
      mode: 'byLabel',
      labelKey: 'Name',
    },
    service: { key: 'Services', spec: service, mode: 'list' },
    meta: { key: 'Meta', spec: 'map', mode: 'single' },
    constraint: { key: 'Constraints', spec: constraint, mode: 'list' },
    restart: {
      key: 'RestartPolicy',
      spec: { attrs: { attempts: ['Attempts'], interval: ['Interval', 'duration'], delay: ['Delay', 'duration'], mode: ['Mode'], render_templates: ['RenderTemplates'] }, blocks: {} },
      mode: 'single',
    },
    update: { key: 'Update', spec: 'generic', mode: 'single' },
    ephemeral_disk: { key: 'EphemeralDisk', spec: { attrs: { size: ['SizeMB'], migrate: ['Migrate'], sticky: ['Sticky'] }, blocks: {} }, mode: 'single' },
  },
  generic: ['affinity', 'spread', 'reschedule', 'migrate', 'scaling', 'consul', 'disconnect'],
};
const job: Spec = {
  attrs: {
    datacenters: ['Datacenters'], type: ['Type'], region: ['Region'], namespace: ['Namespace'], priority: ['Priority'], all_at_once: ['AllAtOnce'],
    node_pool: ['NodePool'], meta: ['Meta', 'map'], id: ['ID'], name: ['Name'], vault_token: ['VaultToken'], consul_token: ['ConsulToken'],
  },
  blocks: {
    group: { key: 'TaskGroups', spec: group, mode: 'list', labelKey: 'Name' },
    meta: { key: 'Meta', spec: 'map', mode: 'single' },
    constraint: { key: 'Constraints', spec: constraint, mode: 'list' },
    update: { key: 'Update', spec: 'generic', mode: 'single' },
  },
  generic: ['periodic', 'parameterized', 'vault', 'spread', 'affinity', 'reschedule', 'migrate', 'multiregion', 'ui'],
};

const DURATION_KEYS = /(interval|timeout|delay|deadline|time|splay|grace|ttl|disconnect)$/;

function durationValue(v: Value, pos: Block['pos']): Value {
  if (typeof v !== 'string') return v;
  const ns = parseGoDuration(v);
  if (ns === undefined) throw new HclError(pos, 'Unsuitable value type', `Unsuitable value: time: invalid duration "${v}"`);
  return ns;
}

function decodeBody(body: Body, spec: Spec, vars: Record<string, Value>): Obj {
  const out: Obj = {};
  for (const a of body.attrs) {
    const rule = spec.attrs[a.name];
    if (!rule) {
      if (spec.generic?.includes(a.name)) {
        const v = evaluate(a.expr, vars);
        out[pascal(a.name)] = DURATION_KEYS.test(a.name) ? durationValue(v, a.pos) : v;
        continue;
      }
      throw new HclError(a.pos, 'Unsupported argument', `An argument named "${a.name}" is not expected here.`, a.name.length);
    }
    const [key, kind = 'plain'] = rule;
    let v = evaluate(a.expr, vars);
    if (kind === 'duration') v = durationValue(v, a.pos);
    if (kind === 'string' && typeof v === 'number') v = String(v);
    out[key] = v;
  }
  for (const b of body.blocks) {
    const rule = spec.blocks[b.type];
    if (!rule) {
      if (spec.generic?.includes(b.type)) {
        const key = pascal(b.type);
        const v = decodeGeneric(b, vars);
        out[key] = Array.isArray(out[key]) ? [...(out[key] as Value[]), v] : out[key] === undefined ? v : [out[key] as Value, v];
        continue;
      }
      throw new HclError(b.pos, 'Unsupported block type', `Blocks of type "${b.type}" are not expected here.`, b.type.length);
    }
    const value = decodeBlock(b, rule, vars);
    if (rule.mode === 'list') out[rule.key] = [...((out[rule.key] as Value[] | undefined) ?? []), value];
    else if (rule.mode === 'byLabel') out[rule.key] = { ...((out[rule.key] as Obj | undefined) ?? {}), [b.labels[0] ?? '']: value };
    else {
      if (out[rule.key] !== undefined && rule.spec !== 'map')
        throw new HclError(b.pos, 'Duplicate block', `Only one "${b.type}" block is allowed here.`, b.type.length);
      out[rule.key] = value;
    }
  }
  return out;
}

function decodeBlock(b: Block, rule: BlockRule, vars: Record<string, Value>): Value {
  const wantLabel = rule.labelKey !== undefined;
  if (wantLabel && b.labels.length !== 1)
    throw new HclError(b.pos, `Missing name for ${b.type}`, `All ${b.type} blocks must have 1 labels (name).`, b.type.length);
  if (!wantLabel && b.labels.length > 0)
    throw new HclError(b.pos, 'Extraneous label for ' + b.type, `No labels are expected for ${b.type} blocks.`, b.type.length);
  if (rule.spec === 'map' || rule.spec === 'free') return decodeFree(b.body, vars, rule.spec === 'map');
  if (rule.spec === 'generic') return decodeGeneric(b, vars);
  const obj = decodeBody(b.body, rule.spec, vars);
  if (rule.labelKey) obj[rule.labelKey] = b.labels[0] ?? '';
  return obj;
}

/** Driver config / env / meta: any attribute; nested blocks (driver config only) become lists of objects. */
function decodeFree(body: Body, vars: Record<string, Value>, flat: boolean): Obj {
  const out: Obj = {};
  for (const a of body.attrs) out[a.name] = evaluate(a.expr, vars);
  for (const b of body.blocks) {
    if (flat) throw new HclError(b.pos, 'Unsupported block type', `Blocks of type "${b.type}" are not expected here.`, b.type.length);
    const prev = out[b.type];
    out[b.type] = [...(Array.isArray(prev) ? prev : []), decodeFree(b.body, vars, false)];
  }
  return out;
}

function decodeGeneric(b: Block, vars: Record<string, Value>): Obj {
  const out: Obj = {};
  if (b.labels[0] !== undefined) out.Name = b.labels[0];
  for (const a of b.body.attrs) {
    const v = evaluate(a.expr, vars);
    out[pascal(a.name)] = DURATION_KEYS.test(a.name) ? durationValue(v, a.pos) : v;
  }
  for (const inner of b.body.blocks) out[pascal(inner.type)] = decodeGeneric(inner, vars);
  return out;
}

/** Parses HCL job source; throws HclError with Nomad's diagnostic text. */
export function parseJobspec(src: string, variables: Record<string, string> = {}): Obj {
  const root = parseHcl(src);
  for (const a of root.attrs) throw new HclError(a.pos, 'Unsupported argument', `An argument named "${a.name}" is not expected here.`, a.name.length);
  const vars: Record<string, Value> = {};
  for (const b of root.blocks.filter((x) => x.type === 'variable')) {
    const name = b.labels[0] ?? '';
    const def = b.body.attrs.find((a) => a.name === 'default');
    if (name in variables) vars[name] = variables[name] as string;
    else if (def) vars[name] = evaluate(def.expr, {});
    else throw new HclError(b.pos, 'Required variable not set', `Required variable ${name} is not set`, 8);
  }
  const jobs = root.blocks.filter((b) => b.type === 'job');
  for (const b of root.blocks) {
    if (!['job', 'variable', 'variables', 'locals'].includes(b.type))
      throw new HclError(b.pos, 'Unsupported block type', `Blocks of type "${b.type}" are not expected here.`, b.type.length);
  }
  const [jobBlock] = jobs;
  if (!jobBlock) throw new HclError({ line: 1, col: 1 }, 'Missing job block', 'A job block is required');
  if (jobs.length > 1) throw new HclError(jobs[1]?.pos ?? jobBlock.pos, 'Duplicate job block', 'Only one job block is allowed');
  if (jobBlock.labels.length !== 1)
    throw new HclError(jobBlock.pos, 'Missing name for job', 'All job blocks must have 1 labels (name).', 3);
  const out = decodeBody(jobBlock.body, job, vars);
  const id = jobBlock.labels[0] as string;
  out.ID ??= id;
  out.Name ??= id;
  for (const g of (out.TaskGroups as Obj[] | undefined) ?? []) normalizePorts(g);
  return out;
}

/** jobspec2 normalizeNetworkPorts: ports with a static value are reserved ports. */
function normalizePorts(group: Obj): void {
  for (const n of (group.Networks as Obj[] | undefined) ?? []) {
    const all = ((n.DynamicPorts as Obj[] | undefined) ?? []).map((p) => ({ Label: p.Label ?? '', Value: p.Value ?? 0, To: p.To ?? 0, HostNetwork: p.HostNetwork ?? '' }));
    const dynamic = all.filter((p) => !(typeof p.Value === 'number' && p.Value > 0));
    const reserved = all.filter((p) => typeof p.Value === 'number' && p.Value > 0);
    n.DynamicPorts = dynamic.length ? dynamic : null;
    n.ReservedPorts = reserved.length ? reserved : null;
  }
}
