/**
 * @module
 * `npm run bench:plex-migration [-- --size=2GiB]`
 *
 * Moves a generated Plex library (`--size` of metadata: thousands of small poster/bundle files, *.bif
 * indexes and one large blobs DB — the fixture's size knob) from the Plex source host (real sshd) into the
 * config PVC of the pms-docker pod (real kubectl against the kube simulator) three ways, in one run, on the
 * same parts, after warming the page cache:
 *   - the job: `plexops-agent exec plex-to-kubernetes` (its transfer step: ssh tar → agent → kubectl exec -i tar);
 *   - the raw baseline: `ssh … tar -c … | kubectl exec -i … tar -x` as one shell pipeline, same excludes;
 *   - the old manual route: tar.gz to a file on the source, `scp -O` to the agent host, `kubectl cp` into a pod,
 *     extract there.
 * All three move the same tar stream (same tree, same excludes), so each rate is the job's stream bytes over
 * that route's wall time. Temporary disk: during the job's transfer, the largest growth of what is stored
 * under the agent's TMPDIR and HOME/config dir, and under everything the source "VM" can write (its sandbox
 * root, upper and work layers and the Plex data's parent directory), watched with inotify (disk-growth.ts —
 * a `du` loop over the library slowed the measured transfer threefold). The manual route's own temporary
 * files are measured the same way for contrast.
 * Targets (issue 9): job ≥ 85 % of the raw baseline, ≥ 2× the manual route, 0 bytes of temporary disk.
 */
// Keep miniflare-free: nothing here talks to a Worker.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startAgent } from '../../agent/test/support/agent-bin';
import { CONFIG_PVC, STS, PATH_MAP, startPlexExec, type PlexExec } from '../../agent/test/integration/plex-exec';
import { DiskGrowth } from './disk-growth';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const UNITS: Record<string, number> = { '': 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };
function parseSize(s: string): number {
  const m = s.match(/^(\d+(?:\.\d+)?)(KiB|MiB|GiB)?$/);
  if (!m) throw new Error(`--size must look like 2GiB or 512MiB (got ${s})`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? '']!);
}
const SIZE = parseSize(arg('size', '2GiB'));
const EXCLUDES = ['Cache', 'Crash Reports', 'Diagnostics', 'Logs', 'Updates', 'Codecs'];
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const mb = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
const human = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} B`);
const note = (s: string) => process.stderr.write(`${s}\n`);

function run(argv: string[], env: Record<string, string>): Promise<{ code: number | null; seconds: number; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr }));
  });
}

async function must(what: string, argv: string[], env: Record<string, string>): Promise<number> {
  const r = await run(argv, env);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return r.seconds;
}

async function scratchPod(x: PlexExec, name: string): Promise<void> {
  const objs = [
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `${name}-scratch`, namespace: 'media' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'media' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: x.kube.store.statefulsets.get('media', STS)!.spec.template.spec.containers[0]!.image, command: ['sleep', '86400'], volumeMounts: [{ name: 's', mountPath: '/scratch' }] }], volumes: [{ name: 's', persistentVolumeClaim: { claimName: `${name}-scratch` } }] } },
  ];
  const r = await x.k.run(['apply', '-f', '-'], { stdin: objs.map((o) => JSON.stringify(o)).join('\n---\n') });
  if (r.code !== 0) throw new Error(`scratch pod ${name}: ${r.stderr}`);
  const w = await x.k.run(['-n', 'media', 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s'], { timeoutMs: 130_000 });
  if (w.code !== 0) throw new Error(`scratch pod ${name} not ready: ${w.stderr}`);
}

async function main(): Promise<void> {
  note(`building a ${human(SIZE)} Plex library on the source host, the kube simulator and the pms-docker target…`);
  const x = await startPlexExec('plex-bench-', { sizeBytes: SIZE }, { faults: false, configStorage: `${Math.ceil((SIZE * 1.5) / 2 ** 30) + 1}Gi` });
  const agentTmp = join(x.dir, 'agent-tmp');
  mkdirSync(agentTmp);
  const env = { ...x.env, TMPDIR: agentTmp };
  const fx = x.host.fixture;
  const ssh = ['ssh', '-F', x.host.sshd.clientConfig, '-T', '-o', 'BatchMode=yes', '-p', String(x.host.sshd.port), '-l', 'root', '--', '127.0.0.1'];
  const tarArgs = `-C ${shq(fx.appSupportDir)} --anchored ${EXCLUDES.map((e) => `--exclude=${shq(`Plex Media Server/${e}`)}`).join(' ')}`;
  const kubectl = ['kubectl', '--context=sim', '--namespace=media'];
  // Everything the source VM can write to disk: its own layers, and the data's parent directory (bind mount).
  const sourcePaths = [dirname(x.host.sandbox.rootfs), fx.appSupportHostDir];
  const agentPaths = [agentTmp, x.dir];
  try {
    await scratchPod(x, 'bench-raw');
    await scratchPod(x, 'bench-manual');
    note('warming the page cache (reading the library once on the source)…');
    await must('warm-up', [...ssh, `tar ${tarArgs} -cf - 'Plex Media Server' | cat > /dev/null`], env);

    const rawBaseline = async (pass: number) => {
      note(`raw baseline (pass ${pass} of 2): ssh … tar -c | kubectl exec -i … tar -x`);
      const scratch = `/scratch/pass-${pass}`;
      const into = [...kubectl, 'exec', '-i', 'bench-raw', '--', 'sh', '-c', `mkdir -p ${scratch} && exec tar -xpf - --numeric-owner -C ${scratch}`];
      return must('raw baseline', ['sh', '-c', `${[...ssh, `tar ${tarArgs} -cf - 'Plex Media Server'`].map(shq).join(' ')} | ${into.map(shq).join(' ')}`], env);
    };
    const rawFirst = await rawBaseline(1);

    note('watching what the source and the agent host store (inotify), then the job: plexops-agent exec plex-to-kubernetes');
    const sourceDisk = new DiskGrowth(sourcePaths);
    const agentDisk = new DiskGrowth(agentPaths);
    const jobFile = join(x.dir, 'bench-job.json');
    writeFileSync(jobFile, JSON.stringify({ kind: 'plex-to-kubernetes', params: { source: x.source(), target: { context: 'sim', namespace: 'media' }, pathMap: PATH_MAP, overwrite: 'move-aside' } }));
    writeFileSync(join(x.dir, 'policy.json'), JSON.stringify({ ssh: [{ host: '127.0.0.1', port: x.host.sshd.port, users: ['root'] }], kube: [{ context: 'sim', namespaces: ['media'] }], nomad: [] }));
    const agent = await startAgent(['exec', jobFile, '--yes'], env, 3_600_000);
    const until = async (re: RegExp) => {
      while (!re.test(agent.stdout()) && agent.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    };
    await until(/--- step 6\/12 transfer/);
    sourceDisk.mark();
    agentDisk.mark();
    await until(/--- step 7\/12|step transfer failed/);
    const sourceGrowth = sourceDisk.close();
    const agentGrowth = agentDisk.close();
    const end = await agent.exited;
    const out = agent.stdout();
    if (end.code !== 0) throw new Error(`the job failed (exit ${end.code}):\n${out.slice(-4000)}\n${agent.stderr().slice(-2000)}`);
    const moved = out.match(/moved (\d+) bytes in ([\d.]+) s/);
    if (!moved) throw new Error('no transfer figure in the job log');
    const bytes = Number(moved[1]);
    const jobSeconds = Number(moved[2]);

    const rawSecond = await rawBaseline(2);
    const raw = Math.min(rawFirst, rawSecond);

    note('the old manual route: tar.gz on the source, scp, kubectl cp, extract');
    const tgz = join(agentTmp, 'plex-manual.tgz');
    const manualDisk = new DiskGrowth([...sourcePaths, ...agentPaths]);
    manualDisk.mark();
    let manualSeconds = await must('tar.gz on the source', [...ssh, `tar ${tarArgs} -czf /tmp/plex-manual.tgz 'Plex Media Server'`], env);
    manualSeconds += await must('scp', ['scp', '-O', '-q', '-F', x.host.sshd.clientConfig, '-P', String(x.host.sshd.port), 'root@127.0.0.1:/tmp/plex-manual.tgz', tgz], env);
    manualSeconds += await must('kubectl cp', [...kubectl, 'cp', tgz, 'bench-manual:/scratch/plex-manual.tgz'], env);
    manualSeconds += await must('extract in the pod', [...kubectl, 'exec', 'bench-manual', '--', 'tar', '-xzpf', '/scratch/plex-manual.tgz', '--numeric-owner', '-C', '/scratch'], env);
    const manualGrowth = manualDisk.close();
    rmSync(tgz, { force: true });

    const jobRate = bytes / jobSeconds;
    const rawRate = bytes / raw;
    const manualRate = bytes / manualSeconds;
    const ofRaw = (100 * jobRate) / rawRate;
    const vsManual = jobRate / manualRate;
    console.log(`library: ${human(SIZE)} of metadata requested; tar stream ${human(bytes)} after excludes (${fx.counts.metadata_items} items)`);
    console.log('route                                   seconds   throughput   temporary disk (agent host / source)');
    console.log(`plex-to-kubernetes job (transfer step)  ${jobSeconds.toFixed(1).padStart(7)}   ${mb(jobRate).padStart(10)}   ${human(agentGrowth)} / ${human(sourceGrowth)}`);
    console.log(`raw baseline (ssh tar | kubectl exec)   ${raw.toFixed(1).padStart(7)}   ${mb(rawRate).padStart(10)}   -   (faster of 2 passes: ${rawFirst.toFixed(1)} s before the job, ${rawSecond.toFixed(1)} s after)`);
    console.log(`manual route (tgz, scp, kubectl cp)     ${manualSeconds.toFixed(1).padStart(7)}   ${mb(manualRate).padStart(10)}   ${human(manualGrowth)} peak (both sides)`);
    const ok = ofRaw >= 85 && vsManual >= 2 && agentGrowth === 0 && sourceGrowth === 0;
    console.log(`plex-migration: job ${mb(jobRate)}, raw baseline ${mb(rawRate)}, manual route ${mb(manualRate)}; job = ${ofRaw.toFixed(0)} % of raw (target ≥ 85 %), ${vsManual.toFixed(1)}× the manual route (target ≥ 2×); temporary disk during the transfer: agent host ${agentGrowth} B, source ${sourceGrowth} B (target 0) — ${ok ? 'all targets met' : 'TARGET MISSED'}`);
  } finally {
    await x.close();
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
