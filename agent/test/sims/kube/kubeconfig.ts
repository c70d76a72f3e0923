/**
 * @module kube-sim/kubeconfig
 * Writes the kubeconfig kubectl uses to reach the simulator: one cluster, one token user, context "sim"
 * (namespace default) as current-context.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeKubeconfig(dir: string, server: string, token: string, caPem?: string): Promise<string> {
  const path = join(dir, 'kubeconfig');
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sim',
    '  cluster:',
    `    server: ${server}`,
    ...(caPem ? [`    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`] : []),
    'users:',
    '- name: sim',
    '  user:',
    `    token: ${JSON.stringify(token)}`,
    'contexts:',
    '- name: sim',
    '  context:',
    '    cluster: sim',
    '    user: sim',
    '    namespace: default',
    'current-context: sim',
    'preferences: {}',
    '',
  ].join('\n');
  await writeFile(path, yaml, { mode: 0o600 });
  return path;
}
