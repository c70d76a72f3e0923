/**
 * @module kube-sim/logs
 * Container logs for GET pods/NAME/log: what the containers' processes print (runtime.ts), plus lines a test
 * configures per pod/container. Supports container (required when a pod has several containers, as on
 * a real server), tailLines, limitBytes, timestamps and follow (streams appended lines until the pod is gone or
 * the client disconnects).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandlerContext } from './handlers.js';
import type { ResourceRoute } from './router.js';
import type { Pod } from './types.js';
import { errors } from './status.js';
import { startStream } from './http-util.js';

interface Line {
  at: string;
  text: string;
}

export class LogStore {
  private readonly lines = new Map<string, Line[]>();
  private readonly followers = new Map<string, Set<(l: Line) => void>>();

  private key(ns: string, pod: string, container: string): string {
    return `${ns}/${pod}/${container}`;
  }

  /** Appends log lines (without trailing newlines) for a container; followers see them immediately. */
  append(ns: string, pod: string, container: string, ...text: string[]): void {
    const k = this.key(ns, pod, container);
    const list = this.lines.get(k) ?? [];
    this.lines.set(k, list);
    for (const t of text) {
      const line = { at: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'), text: t };
      list.push(line);
      for (const f of this.followers.get(k) ?? []) f(line);
    }
  }

  set(ns: string, pod: string, container: string, lines: string[]): void {
    this.lines.set(this.key(ns, pod, container), []);
    this.append(ns, pod, container, ...lines);
  }

  get(ns: string, pod: string, container: string): Line[] {
    return this.lines.get(this.key(ns, pod, container)) ?? [];
  }

  follow(ns: string, pod: string, container: string, fn: (l: Line) => void): () => void {
    const k = this.key(ns, pod, container);
    const set = this.followers.get(k) ?? new Set();
    this.followers.set(k, set);
    set.add(fn);
    return () => set.delete(fn);
  }
}

export function handleLog(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, logs: LogStore, route: ResourceRoute, q: URLSearchParams): void {
  if ((req.method ?? 'GET') !== 'GET') throw errors.methodNotAllowed();
  const ns = route.namespace!;
  const name = route.name!;
  const pod = ctx.registry.get(route.def, ns, name) as Pod;
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  let container = q.get('container') ?? undefined;
  if (container === undefined) {
    if (names.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    }
    container = names[0]!;
  }
  const known = [...names, ...(pod.spec.initContainers ?? []).map((c) => c.name)];
  if (!known.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const withTs = q.get('timestamps') === 'true';
  const fmt = (l: Line) => `${withTs ? `${l.at} ` : ''}${l.text}\n`;
  let lines = logs.get(ns, name, container);
  const tail = q.get('tailLines');
  if (tail !== null && Number(tail) >= 0) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
  let text = lines.map(fmt).join('');
  const limit = q.get('limitBytes');
  if (limit !== null) text = Buffer.from(text).subarray(0, Number(limit)).toString();

  startStream(res, 'text/plain');
  res.write(text);
  if (q.get('follow') !== 'true') {
    res.end();
    return;
  }
  const stopLines = logs.follow(ns, name, container, (l) => res.write(fmt(l)));
  const stopWatch = ctx.registry.store.subscribe((ev) => {
    if (ev.def === route.def && ev.type === 'DELETED' && ev.object.metadata.namespace === ns && ev.object.metadata.name === name) finish();
  });
  function finish(): void {
    stopLines();
    stopWatch();
    if (!res.writableEnded) res.end();
  }
  req.on('close', finish);
  ctx.watches.track(res);
}
