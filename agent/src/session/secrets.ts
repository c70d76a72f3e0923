/**
 * @module
 * Every secret a job's log must never contain, collected the same way for the daemon and for
 * `exec`: the agent's own token, environment values whose names look secret, the values of the
 * environment variables the kind's declaration says the job uses as secrets (a Nomad token in
 * `NOMAD_ACCESS` does not look secret by its name), and the kind's declared secret params (plus
 * any param under a secret-looking key, as a safety net).
 */
import { getJobKind, secretParamValues } from '../../../worker/src/contracts/job-kinds';
import type { AgentConfig } from '../config';
import { secretsFromEnv, secretsFromParams } from '../logs/redact';

export function jobSecrets(cfg: Pick<AgentConfig, 'env' | 'token'>, job: { kind: string; params: unknown }): string[] {
  const def = getJobKind(job.kind);
  const out = [...secretsFromEnv(cfg.env), ...secretsFromParams(job.params, def?.secretParams ?? []), ...secretParamValues(job.kind, job.params)];
  if (cfg.token) out.push(cfg.token);
  if (def) {
    // The declaration derives env names from parsed params; a job whose params do not parse is
    // refused before anything runs, and its raw params were already scanned above.
    const parsed = def.params.safeParse(job.params);
    if (parsed.success) for (const name of def.secretEnv(parsed.data)) if (cfg.env[name]) out.push(cfg.env[name] as string);
  }
  return out;
}
