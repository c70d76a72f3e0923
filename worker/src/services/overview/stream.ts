/**
 * @module
 * The dashboard's live stream (SSE). Like the job log stream it reads Postgres only when the hub's
 * overview channel moves (a webhook was processed, a job moved, an agent came or went, a conflict
 * was decided) or when the last answer said it changes by the clock (`refreshAt`: a session or an
 * agent expiring); otherwise it sends keep-alive comments. Bursts are folded: after a change it
 * waits `settleMs` and reads once, and it never reads more often than every `minGapMs`, so a
 * watched dashboard costs bounded SQL and an unwatched one none. An answer equal to the last one
 * sent is not sent again. The stream opens its own DB handle (the request's closes when the
 * handler returns) and ends after `maxStreamMs`; EventSource reconnects by itself.
 */
import type { SSEStreamingApi } from 'hono/streaming';
import { openDb } from '../../db/client';
import type { RuntimeConfig } from '../../env';
import type { HubApi } from '../../hub/hub-core';
import { readBadges, readOverview } from './overview';
import { createLogger } from '../../lib/logger';

const logger = createLogger({ task: 'overview-stream' });

export interface OverviewStreamOptions {
  cfg: RuntimeConfig;
  hub: HubApi;
  scope: 'overview' | 'badges';
  onlineWindowMs: number;
  signal?: AbortSignal;
  keepAliveMs: number;
  settleMs?: number;
  minGapMs?: number;
  maxStreamMs?: number;
  /** Called after every read (tests count them). */
  onRead?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function streamOverview(stream: SSEStreamingApi, o: OverviewStreamOptions): Promise<void> {
  const handle = openDb(o.cfg);
  const settleMs = o.settleMs ?? 300;
  const minGapMs = o.minGapMs ?? 1_000;
  const stopAt = Date.now() + (o.maxStreamMs ?? 10 * 60_000);
  const closed = () => stream.aborted || stream.closed || o.signal?.aborted === true;
  let lastSent = '';
  let lastReadAt = 0;
  /** The answer as sent, what makes two answers "the same" (not the time it was read), and its refreshAt. */
  const read = async (): Promise<{ data: string; same: string; refreshAt: number | null }> => {
    if (o.scope === 'badges') {
      const data = JSON.stringify(await readBadges(handle.db));
      return { data, same: data, refreshAt: null };
    }
    const view = await readOverview(handle.db, { presence: await o.hub.presence(), onlineWindowMs: o.onlineWindowMs, agentWaitMs: o.cfg.AGENT_WAIT_MS });
    const { generatedAt: _at, ...rest } = view;
    // Positions of playing sessions move with the clock: compare without them (the client extrapolates).
    const same = JSON.stringify({ ...rest, nowPlaying: rest.nowPlaying.map(({ positionMs: _p, asOf: _a, ...n }) => n) });
    return { data: JSON.stringify(view), same, refreshAt: view.refreshAt ? Date.parse(view.refreshAt) : null };
  };
  try {
    let gen = (await o.hub.overviewWait({ sinceGen: null, timeoutMs: 0 })).gen;
    while (!closed() && Date.now() < stopAt) {
      const gap = lastReadAt + minGapMs - Date.now();
      if (gap > 0) await sleep(gap);
      lastReadAt = Date.now();
      let next: Awaited<ReturnType<typeof read>>;
      try {
        next = await read();
      } catch (err) {
        // A failed read (Postgres busy or restarting) must not drop every open dashboard: the
        // next attempt comes after minGapMs, and the page keeps what it last got meanwhile.
        logger.warn('overview read failed; trying again', { error: String(err) });
        continue;
      }
      o.onRead?.();
      if (next.same !== lastSent) {
        lastSent = next.same;
        await stream.writeSSE({ event: o.scope, data: next.data });
      }
      // Never sooner than a couple of seconds: an expiry at "now" must not turn into a read loop.
      const wakeAt = next.refreshAt === null ? Number.POSITIVE_INFINITY : Math.max(next.refreshAt, Date.now() + 2_000);

      // Wait for the channel to move, the clock to reach wakeAt, or the stream's end.
      for (;;) {
        if (closed()) return;
        const until = Math.min(stopAt, wakeAt);
        const left = until - Date.now();
        if (left <= 0) break;
        const w = await o.hub.overviewWait({ sinceGen: gen, timeoutMs: Math.min(o.keepAliveMs, left) });
        gen = w.gen;
        if (w.changed) {
          await sleep(settleMs);
          gen = (await o.hub.overviewWait({ sinceGen: null, timeoutMs: 0 })).gen;
          break;
        }
        if (Date.now() < until) await stream.write(': keep-alive\n\n');
      }
    }
  } finally {
    await handle.end();
  }
}
