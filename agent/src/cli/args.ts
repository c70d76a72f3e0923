/** @module Command-line parsing (node:util parseArgs, strict: unknown flags are errors). */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: plexops-agent <command> [options]

Commands:
  enroll --server URL --code CODE [--name NAME] [--tags a,b]
                         enroll this machine (writes config.json, mode 0600)
  run                    the daemon: wait for jobs, run them, stream logs
  doctor                 check config, policy, ssh, kubectl, Nomad and the worker
  exec JOB.json [--dry-run] [--yes]
                         run a job file locally with no server; --dry-run prints
                         every command instead of running it; --yes approves
                         steps that need approval
  rotate-token           replace the agent token (the old one stops working)

Options:
  --config-dir DIR       config directory (env PLEXOPS_AGENT_CONFIG_DIR; default
                         $XDG_CONFIG_HOME/plexops-agent or ~/.config/plexops-agent)
  --policy FILE          policy file (env PLEXOPS_AGENT_POLICY; default <config-dir>/policy.json)
  --version, -v          print the version
  --help, -h             print this help

Every setting can also come from PLEXOPS_AGENT_* environment variables (see README).`;

export interface Parsed {
  command: string | undefined;
  positionals: string[];
  values: {
    server?: string;
    code?: string;
    name?: string;
    tags?: string;
    'dry-run'?: boolean;
    yes?: boolean;
    'config-dir'?: string;
    policy?: string;
    version?: boolean;
    help?: boolean;
  };
}

export function parseCli(argv: readonly string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      server: { type: 'string' },
      code: { type: 'string' },
      name: { type: 'string' },
      tags: { type: 'string' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
      'config-dir': { type: 'string' },
      policy: { type: 'string' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  return { command, positionals: rest, values };
}
