/**
 * @module
 * `plexops-agent` entry: parse argv, load and validate config once (fail fast), dispatch.
 * Exit codes: 0 ok, 1 failure, 2 fatal worker error (revoked token, protocol), 64 usage, 78 config.
 */
import { AgentClient } from './client';
import { ConfigError, loadConfig, requireEnrolled, type Env } from './config';
import { runDaemon } from './daemon';
import { createLogger } from './logger';
import { DENY_ALL, loadPolicy, PolicyError } from './policy';
import { StopSignals } from './signals';
import { AGENT_VERSION } from './version';
import { AGENT_PROTOCOL_VERSION } from '../../worker/src/contracts/version';
import { parseCli, USAGE } from './cli/args';
import { doctorCommand } from './cli/doctor';
import { enrollCommand } from './cli/enroll';
import { execCommand } from './cli/exec';
import { processIo, type Io } from './cli/io';
import { writeEnrolled } from './config';
import { FatalAgentError, AgentApiError } from './client';

export async function main(argv: readonly string[], env: Env, io: Io = processIo): Promise<number> {
  let p;
  try {
    p = parseCli(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (p.values.version) {
    io.out(`plexops-agent ${AGENT_VERSION} (agent protocol ${AGENT_PROTOCOL_VERSION})`);
    return 0;
  }
  if (p.values.help || !p.command || p.command === 'help') {
    (p.command || p.values.help ? io.out : io.err)(USAGE);
    return p.command || p.values.help ? 0 : 64;
  }
  const fullEnv: Env = {
    ...env,
    ...(p.values['config-dir'] ? { PLEXOPS_AGENT_CONFIG_DIR: p.values['config-dir'] } : {}),
    ...(p.values.policy ? { PLEXOPS_AGENT_POLICY: p.values.policy } : {}),
  };
  try {
    switch (p.command) {
      case 'enroll':
        return await enrollCommand(p, fullEnv, io);
      case 'run':
      case 'doctor':
      case 'exec':
      case 'rotate-token':
        break;
      default:
        io.err(`unknown command "${p.command}"\n\n${USAGE}`);
        return 64;
    }
    const cfg = await loadConfig(fullEnv);
    const logger = createLogger(cfg.logLevel, io.err);
    if (p.command === 'doctor') return await doctorCommand(cfg, io);

    const { policy, missing } = await loadPolicy(cfg.policyPath).catch((err: unknown) => {
      throw err instanceof PolicyError ? err : new PolicyError(String(err));
    });
    if (missing) logger.warn(`no policy file at ${cfg.policyPath}: every ssh/kube/nomad target is denied`);

    if (p.command === 'exec') {
      return await execCommand(p.positionals[0], cfg, missing ? DENY_ALL : policy, io, logger, {
        dryRun: p.values['dry-run'] ?? false,
        approve: p.values.yes ?? false,
      });
    }
    const enrolled = requireEnrolled(cfg);
    const client = new AgentClient({ server: enrolled.server, token: enrolled.token });
    if (p.command === 'rotate-token') {
      const { token } = await client.rotateToken();
      client.setToken(token);
      await writeEnrolled(cfg.configDir, {
        server: enrolled.server,
        agentId: enrolled.agentId ?? '',
        token,
        name: enrolled.name,
        tags: enrolled.tags,
        enrolledAt: new Date().toISOString(),
      });
      io.out('token rotated; config.json updated');
      return 0;
    }
    const signals = new StopSignals(logger).install();
    try {
      return await runDaemon({ config: enrolled, policy, client, logger, signals });
    } finally {
      signals.uninstall();
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PolicyError) {
      io.err(err.message);
      return 78;
    }
    if (err instanceof FatalAgentError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof AgentApiError) {
      io.err(`the worker refused the request: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
