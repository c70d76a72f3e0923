/**
 * @module
 * The admin's live job stream (SSE). It reads Postgres only when the job's hub view channel says
 * something changed (a chunk arrived, a step moved, progress came with a heartbeat, the job was
 * claimed, approved, cancelled or ended) and otherwise just sends a keep-alive comment, so a
 * watched but quiet job costs no SQL. It opens its own DB handle: the per-request pool is
 * closed when the handler returns, before the stream ends.
 * Events (contracts/jobs.ts): `chunk` (id = seq), `status` (on connect, then only when it
 * differs from the last one sent), `end`.
 */
import type { SSEStreamingApi } from 'hono/streaming';
import { openDb } from '../../db/client';
import type { RuntimeConfig } from '../../env';
import type { HubApi } from '../../hub/hub-core';
import type { JobStatusEvent, JobStreamEnd } from '../../contracts';
import { readLogs } from './query-jobs';
import { readJobStatus } from './job-status';

/** A stream lives this long, then the browser's EventSource reconnects with Last-Event-ID. */
const MAX_STREAM_MS = 10 * 60_000;

export async function streamJobLogs(
  stream: SSEStreamingApi,
  opts: { cfg: RuntimeConfig; hub: HubApi; jobId: string; after: number; signal?: AbortSignal; keepAliveMs: number },
): Promise<void> {
  const handle = openDb(opts.cfg);
  const stopAt = Date.now() + MAX_STREAM_MS;
  let after = opts.after;
  const closed = () => stream.aborted || stream.closed || opts.signal?.aborted === true;
  let lastStatus = '';
  // Sent only when it changed: log chunks poke the same channel and mostly move nothing else.
  const sendStatus = async (): Promise<JobStatusEvent | null> => {
    const view = await readJobStatus(handle.db, opts.jobId);
    const data = JSON.stringify(view);
    if (view && data !== lastStatus) {
      lastStatus = data;
      await stream.writeSSE({ event: 'status', data });
    }
    return view;
  };
  try {
    let gen = (await opts.hub.jobViewWait({ jobId: opts.jobId, sinceGen: null, timeoutMs: 0 })).gen;
    let dirty = true;
    while (!closed() && Date.now() < stopAt) {
      if (dirty) {
        const page = await readLogs(handle.db, opts.jobId, { after, limit: 500 });
        for (const chunk of page.chunks) await stream.writeSSE({ event: 'chunk', id: String(chunk.seq), data: JSON.stringify(chunk) });
        after = page.nextAfter;
        if (page.chunks.length === 500 && !page.done) continue;
        const view = await sendStatus();
        if (page.done) {
          const end: JobStreamEnd = { status: view?.status ?? null };
          await stream.writeSSE({ event: 'end', data: JSON.stringify(end) });
          return;
        }
      }
      const w = await opts.hub.jobViewWait({ jobId: opts.jobId, sinceGen: gen, timeoutMs: Math.min(opts.keepAliveMs, Math.max(0, stopAt - Date.now())) });
      gen = w.gen;
      dirty = w.changed;
      if (!dirty) await stream.write(': keep-alive\n\n');
    }
  } finally {
    await handle.end();
  }
}
