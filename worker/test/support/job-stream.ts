/**
 * @module
 * A client for the admin's live job stream (SSE) in tests: events as they arrive, and a wait for
 * the next `status` event that matches (each one parsed with the shared contract).
 */
import { expect } from 'vitest';
import { JobStatusEvent } from '../../src/contracts';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Reads a job's SSE stream into events; `nextStatus` waits for the first unseen status event matching a test. */
export async function openJobStream(serverUrl: string, adminToken: string, jobId: string) {
  const res = await fetch(`${serverUrl}/api/jobs/${jobId}/logs/stream`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  let seen = 0;
  let done = false;
  const pump = async () => {
    const r = await reader.read();
    if (r.done) {
      done = true;
      return;
    }
    buffer += decoder.decode(r.value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const ev: SseEvent = { event: 'message', id: undefined, data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('id: ')) ev.id = line.slice(4);
        else if (line.startsWith('data: ')) {
          ev.data += (hasData ? '\n' : '') + line.slice(6);
          hasData = true;
        }
      }
      if (hasData) events.push(ev);
    }
  };
  return {
    events,
    /** The next status event after those already taken, that satisfies `match`. */
    async nextStatus(match: (s: JobStatusEvent) => boolean): Promise<JobStatusEvent> {
      for (;;) {
        while (seen < events.length) {
          const ev = events[seen++]!;
          if (ev.event !== 'status') continue;
          expect(ev.id).toBeUndefined(); // never moves Last-Event-ID
          const s = JobStatusEvent.parse(JSON.parse(ev.data));
          if (match(s)) return s;
        }
        if (done) throw new Error(`stream ended; events: ${events.map((e) => e.event).join(',')}`);
        await pump();
      }
    },
    async untilEnd(): Promise<void> {
      while (!done && !events.some((e) => e.event === 'end')) await pump();
    },
    close: () => reader.cancel(),
  };
}

