/**
 * @module nomad-sim/main
 * Starts a Nomad simulator for manual poking: `npx tsx agent/test/sims/nomad/main.ts [--acl-token X]`.
 * Prints the URL and runs until interrupted.
 */
import { startNomadSim } from './index';

const args = process.argv.slice(2);
const tokenIdx = args.indexOf('--acl-token');
const aclToken = tokenIdx >= 0 ? args[tokenIdx + 1] : undefined;
const sim = await startNomadSim({ ...(aclToken ? { aclToken } : {}), namespaces: ['media'], allocStartDelayMs: 1000 });
console.log(sim.url);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
