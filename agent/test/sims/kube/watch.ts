/**
 * @module kube-sim/watch
 * Watch streams: chunked newline-delimited `{"type","object"}` events with headers flushed up front.
 * Honours resourceVersion semantics (unset/"0" → synthetic ADDED for current state, N → events after N,
 * too old → an ERROR event carrying a 410 Expired Status), sendInitialEvents with the
 * `k8s.io/initial-events-end` bookmark, label/field selectors, timeoutSeconds, and Table-encoded events.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';
import type { ObjectStore, StoreEvent } from './store.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { startStream } from './http-util.js';
import { toTable, type IncludeObject } from './table.js';

export interface WatchParams {
  def: ResourceDef;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  timeoutSeconds: number | undefined;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  table: { include: IncludeObject } | undefined;
}

/** Open watch responses, ended when the simulator closes. */
export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  serve(req: IncomingMessage, res: ServerResponse, store: ObjectStore, p: WatchParams): void {
    // Parse selectors before committing to a 200 so bad selectors still get a 400 Status.
    const byLabel = p.labelSelector ? parseLabelSelector(p.labelSelector) : () => true;
    const byField = p.fieldSelector ? parseFieldSelector(p.fieldSelector, p.def) : () => true;
    const matches = (o: KubeObject) =>
      (!p.def.namespaced || p.namespace === undefined || o.metadata.namespace === p.namespace) && byLabel(o.metadata.labels) && byField(o);

    startStream(res, 'application/json');
    this.open.add(res);
    let firstTable = true;
    const write = (type: string, object: KubeObject | object) => {
      let payload: object = object;
      if (p.table && type !== 'ERROR' && type !== 'BOOKMARK') {
        payload = toTable(p.def, [object as KubeObject], (object as KubeObject).metadata?.resourceVersion, p.table.include, firstTable);
        firstTable = false;
      }
      if (!res.writableEnded) res.write(JSON.stringify({ type, object: payload }) + '\n');
    };

    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = store.subscribe((ev: StoreEvent) => {
      if (ev.def === p.def && matches(ev.object)) write(ev.type, ev.object);
    });
    const finish = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.open.delete(res);
      if (!res.writableEnded) res.end();
    };
    req.on('close', finish);
    res.on('close', finish);
    if (p.timeoutSeconds !== undefined && p.timeoutSeconds > 0) timer = setTimeout(finish, p.timeoutSeconds * 1000);

    const rv = p.resourceVersion;
    if (p.sendInitialEvents || rv === undefined || rv === '' || rv === '0') {
      for (const o of store.list(p.def, p.def.namespaced ? p.namespace : undefined)) if (matches(o)) write('ADDED', o);
      if (p.sendInitialEvents) {
        write('BOOKMARK', {
          kind: p.def.kind,
          apiVersion: p.def.group ? `${p.def.group}/${p.def.version}` : p.def.version,
          metadata: { resourceVersion: store.currentRV(), annotations: { 'k8s.io/initial-events-end': 'true' } },
        });
      }
      return;
    }
    const since = store.eventsSince(p.def, Number(rv));
    if (since === 'expired' || !/^\d+$/.test(rv)) {
      write('ERROR', {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: `too old resource version: ${rv} (${store.currentRV()})`, reason: 'Expired', code: 410,
      });
      finish();
      return;
    }
    for (const ev of since) if (matches(ev.object)) write(ev.type, ev.object);
  }

  /** Registers another long-lived response (log follow) to be ended on close. */
  track(res: ServerResponse): void {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
  }

  close(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
