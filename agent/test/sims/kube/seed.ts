/**
 * @module kube-sim/seed
 * The objects a fresh cluster has: the four system namespaces and one Ready node that pods are bound to.
 */
import type { TypedStore } from './typed-store.js';
import { nowTimestamp } from './store.js';

export const NODE_NAME = 'sim-node';

export function seedCluster(store: TypedStore, extraNamespaces: string[]): void {
  for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system', ...extraNamespaces]) {
    if (!store.namespaces.get(name)) store.namespaces.create({ metadata: { name } });
  }
  const node = store.nodes.create({
    metadata: { name: NODE_NAME, labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux' } },
  });
  store.nodes.update({
    ...node,
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: nowTimestamp(), lastTransitionTime: nowTimestamp() }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.10' }, { type: 'Hostname', address: NODE_NAME }],
      nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Simulated', containerRuntimeVersion: 'sim://1.0', architecture: 'amd64', operatingSystem: 'linux' },
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    },
  });
}
