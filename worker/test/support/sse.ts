/**
 * @module
 * A small Server-Sent Events reader for tests: parses `event:`/`data:` frames from a streaming
 * Response body and lets a test wait (bounded) for the next event matching a predicate.
 */

export interface SseEvent {
  event: string;
  data: string;
}

export interface SseReader {
  events: SseEvent[];
  /** Resolves with the parsed data of the first event (from `fromIndex`) named `event` that satisfies `pred`. */
  waitFor<T = any>(event: string, pred?: (data: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): void;
}

export function readSse(res: Response, abort: AbortController): SseReader {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let ended = false;
  void (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += dec.decode(value, { stream: true });
        let i;
        while ((i = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length) events.push({ event, data: data.join('\n') });
          waiters.forEach((w) => w());
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      waiters.forEach((w) => w());
    }
  })();
  return {
    events,
    waitFor(event, pred = () => true, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          for (; from < events.length; from++) {
            const e = events[from]!;
            if (e.event !== event) continue;
            const data = JSON.parse(e.data);
            if (pred(data)) {
              cleanup();
              resolve(data);
              return;
            }
          }
          if (ended) {
            cleanup();
            reject(new Error(`the stream ended before a matching "${event}" event`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching "${event}" event within ${timeoutMs} ms (got ${events.length} events)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
