/**
 * @module
 * Agent configuration: one zod schema, parsed once at startup (fail fast). The enrolled file
 * (`config.json`, mode 0600) supplies server URL, agent id and token; `PLEXOPS_AGENT_*` env vars
 * override any field. Components receive the typed {@link AgentConfig}; nothing else reads
 * `process.env` — the env snapshot taken here is what child processes inherit.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { serverUrlProblem } from './server-url';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where config lives: PLEXOPS_AGENT_CONFIG_DIR, else $XDG_CONFIG_HOME/plexops-agent, else ~/.config/plexops-agent. */
export function resolveConfigDir(env: Env): string {
  if (env.PLEXOPS_AGENT_CONFIG_DIR) return env.PLEXOPS_AGENT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'plexops-agent');
}

/** What `enroll` writes. */
/** A worker URL the agent may use (https, or http to loopback only). */
const ServerUrl = z.string().superRefine((s, ctx) => {
  const problem = serverUrlProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const EnrolledFile = z.object({
  server: ServerUrl,
  agentId: z.string().min(1),
  token: z.string().min(16),
  name: z.string().min(1).max(100),
  tags: z.array(z.string()).default([]),
  enrolledAt: z.string(),
});
export type EnrolledFile = z.infer<typeof EnrolledFile>;

const intMs = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);

export const AgentConfigSchema = z.object({
  configDir: z.string().min(1),
  stateDir: z.string().min(1),
  policyPath: z.string().min(1),
  server: ServerUrl.optional(),
  agentId: z.string().optional(),
  token: z.string().optional(),
  name: z.string().default('agent'),
  tags: z.array(z.string()).default([]),
  sshPath: z.string().default('ssh'),
  kubectlPath: z.string().default('kubectl'),
  /** `ssh -F <file>`; unset: ssh reads ~/.ssh/config as usual. */
  sshConfigFile: z.string().optional(),
  /** SIGTERM → SIGKILL grace for a cancelled step's process group. */
  cancelGraceMs: intMs(0, 300_000, 10_000),
  heartbeatMs: intMs(100, 120_000, 15_000),
  /** Shortest time between two heartbeats carrying a running step's progress. */
  progressIntervalMs: intMs(200, 60_000, 2000),
  /**
   * Jobs run at once. With 2 or more, one slot is kept for kinds declared read-only (checks and
   * probes), so a two-hour migration never holds them up.
   */
  slots: z.coerce.number().int().min(1).max(16).default(2),
  /** Log batching: flush at least this often, or at this many (JSON-escaped) bytes; the request cap is 256 KiB. */
  logFlushMs: intMs(10, 10_000, 1000),
  logChunkBytes: intMs(1024, 252 * 1024, 252 * 1024),
  /** Per-target timeout for connectivity checks (ssh ConnectTimeout, kubectl --request-timeout, HTTP). */
  targetTimeoutMs: intMs(500, 600_000, 15_000),
  backoffMinMs: intMs(10, 60_000, 1000),
  backoffMaxMs: intMs(100, 600_000, 60_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Environment snapshot handed to child processes and used to resolve Nomad token env names. */
  env: z.record(z.string(), z.string()),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function definedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

async function readEnrolled(configDir: string): Promise<Partial<EnrolledFile>> {
  let text: string;
  try {
    text = await readFile(join(configDir, 'config.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${join(configDir, 'config.json')} is not valid JSON`);
  }
  const r = EnrolledFile.safeParse(json);
  if (!r.success) throw new ConfigError(`${join(configDir, 'config.json')} is invalid: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * Loads and validates the whole configuration. `overrides` carries CLI flags; precedence is
 * flags > env > config file > defaults.
 */
export async function loadConfig(env: Env, overrides: Partial<Record<keyof AgentConfig, unknown>> = {}): Promise<AgentConfig> {
  const configDir = resolveConfigDir(env);
  const file = await readEnrolled(configDir);
  const e = (k: string) => env[`PLEXOPS_AGENT_${k}`] || undefined;
  const raw = {
    configDir,
    stateDir: e('STATE_DIR') ?? join(configDir, 'state'),
    policyPath: e('POLICY') ?? join(configDir, 'policy.json'),
    server: e('SERVER') ?? file.server,
    agentId: e('ID') ?? file.agentId,
    token: e('TOKEN') ?? file.token,
    name: e('NAME') ?? file.name,
    tags: e('TAGS') !== undefined ? splitTags(e('TAGS') ?? '') : file.tags,
    sshPath: e('SSH'),
    kubectlPath: e('KUBECTL'),
    sshConfigFile: e('SSH_CONFIG'),
    cancelGraceMs: e('CANCEL_GRACE_MS'),
    heartbeatMs: e('HEARTBEAT_MS'),
    progressIntervalMs: e('PROGRESS_INTERVAL_MS'),
    slots: e('SLOTS'),
    logFlushMs: e('LOG_FLUSH_MS'),
    logChunkBytes: e('LOG_CHUNK_BYTES'),
    targetTimeoutMs: e('TARGET_TIMEOUT_MS'),
    backoffMinMs: e('BACKOFF_MIN_MS'),
    backoffMaxMs: e('BACKOFF_MAX_MS'),
    logLevel: e('LOG_LEVEL'),
    env: definedEnv(env),
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  const r = AgentConfigSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`invalid agent configuration:\n${z.prettifyError(r.error)}`);
  return r.data;
}

export function splitTags(s: string): string[] {
  return s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Writes config.json atomically with mode 0600 (it holds the agent token). */
export async function writeEnrolled(configDir: string, data: EnrolledFile): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const path = join(configDir, 'config.json');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return path;
}

/** Requires the fields `run` needs; a clear message names what is missing. */
export function requireEnrolled(cfg: AgentConfig): AgentConfig & { server: string; token: string } {
  if (!cfg.server || !cfg.token) {
    throw new ConfigError(
      `this agent is not enrolled (no server/token in ${join(cfg.configDir, 'config.json')}); run: plexops-agent enroll --server URL --code CODE`,
    );
  }
  return cfg as AgentConfig & { server: string; token: string };
}
