/**
 * @module kube-sim/main
 * Manual use: `npx tsx agent/test/sims/kube/main.ts [--tls] [--namespace NAME ...]` starts a simulator and prints
 * how to point kubectl at it; Ctrl-C stops it.
 */
import { startKubeSim } from './index.js';

const namespaces: string[] = [];
let tls = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--namespace' && argv[i + 1]) namespaces.push(argv[++i]!);
  if (argv[i] === '--tls') tls = true;
}

const sim = await startKubeSim({ namespaces, tls });
process.stdout.write(`${sim.kubeconfigPath}\n`);
process.stderr.write(`kube-sim listening on ${sim.url}\n  export KUBECONFIG=${sim.env.KUBECONFIG} KUBECACHEDIR=${sim.env.KUBECACHEDIR}\n`);
const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
