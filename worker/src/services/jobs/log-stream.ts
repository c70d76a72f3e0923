/**
 * @module
 * The admin's live log stream (SSE). It reads Postgres only when the job's hub channel says
 * something changed (a chunk arrived, a step moved, the job ended) and otherwise just sends a
 * keep-alive comment, so a watched but quiet job costs no SQL. It opens its own DB handle:
 * the per-request pool is closed when the handler returns, before the stream ends.
 * Events: `chunk` (id = seq, data = LogChunkInfo JSON), `end` (data = { status }).
 */
import type { SSEStreamingApi } from 'hono/streaming';
import { eq } from 'drizzle-orm';
import { jobs } from '../../db/schema';
import { createDb } from '../../db/client';
import type { RuntimeConfig } from '../../env';
import type { HubApi } from '../../hub/hub-core';
import { readLogs } from './query-jobs';

/** A stream lives this long, then the browser's EventSource reconnects with Last-Event-ID. */
const MAX_STREAM_MS = 10 * 60_000;

export async function streamJobLogs(
  stream: SSEStreamingApi,
  opts: { cfg: RuntimeConfig; hub: HubApi; jobId: string; after: number; signal?: AbortSignal; keepAliveMs: number },
): Promise<void> {
  const handle = createDb({ url: opts.cfg.DATABASE_URL, ...(opts.cfg.DB_WS_PROXY ? { wsProxy: opts.cfg.DB_WS_PROXY } : {}) });
  const stopAt = Date.now() + MAX_STREAM_MS;
  let after = opts.after;
  const closed = () => stream.aborted || stream.closed || opts.signal?.aborted === true;
  try {
    let gen = (await opts.hub.jobWait({ jobId: opts.jobId, sinceGen: null, timeoutMs: 0 })).gen;
    let dirty = true;
    while (!closed() && Date.now() < stopAt) {
      if (dirty) {
        const page = await readLogs(handle.db, opts.jobId, { after, limit: 500 });
        for (const chunk of page.chunks) await stream.writeSSE({ event: 'chunk', id: String(chunk.seq), data: JSON.stringify(chunk) });
        after = page.nextAfter;
        if (page.done) {
          const status = await jobStatus(handle, opts.jobId);
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status }) });
          return;
        }
        if (page.chunks.length === 500) continue;
      }
      const w = await opts.hub.jobWait({ jobId: opts.jobId, sinceGen: gen, timeoutMs: Math.min(opts.keepAliveMs, Math.max(0, stopAt - Date.now())) });
      gen = w.gen;
      dirty = w.changed;
      if (!dirty) await stream.write(': keep-alive\n\n');
    }
  } finally {
    await handle.end();
  }
}

async function jobStatus(handle: ReturnType<typeof createDb>, jobId: string): Promise<string | null> {
  const [row] = await handle.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId));
  return row?.status ?? null;
}
