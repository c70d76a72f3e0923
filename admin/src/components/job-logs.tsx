/**
 * @module
 * A job's log, live: reads the SSE stream `GET /api/jobs/:id/logs/stream` (events `chunk`, id =
 * seq, `status` and `end`; contracts/jobs.ts). The browser's EventSource reconnects by itself with
 * Last-Event-ID; when it gives up (an HTTP error closes it for good) we reopen it with backoff and
 * `?after=<last seq>`, so a drop never loses or repeats a line. `status` events go to the page
 * (`onStatus`), which keeps the job current from them instead of polling; `onReconnect` tells it
 * a connection came back, since changes may have gone by while it was down. "Follow" keeps the
 * view at the bottom; scrolling up turns it off.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobStatusEvent, LogChunkInfo } from '../../../worker/src/contracts';
import { client } from '../api';

type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost, reconnecting…',
  ended: 'The job has finished; this is the whole log.',
};

export interface JobLogsProps {
  jobId: string;
  onStatus?: (status: JobStatusEvent) => void;
  onReconnect?: () => void;
}

export function JobLogs({ jobId, onStatus, onReconnect }: JobLogsProps) {
  const [text, setText] = useState('');
  const [state, setState] = useState<StreamState>('connecting');
  const [follow, setFollow] = useState(true);
  const [lines, setLines] = useState(0);
  const pre = useRef<HTMLPreElement>(null);
  // Latest callbacks without reopening the stream when the page re-renders.
  const handlers = useRef({ onStatus, onReconnect });
  handlers.current = { onStatus, onReconnect };

  useEffect(() => {
    let lastSeq = -1;
    let source: EventSource | null = null;
    let retry: number | undefined;
    let delay = 1000;
    let stopped = false;
    let buffer = '';
    let opened = false;

    const open = () => {
      const url = client.api.jobs[':id'].logs.stream.$url({ param: { id: jobId }, query: { after: String(lastSeq), limit: '500' } });
      source = new EventSource(url.pathname + url.search, { withCredentials: true });
      source.onopen = () => {
        delay = 1000;
        setState('live');
        if (opened) handlers.current.onReconnect?.();
        opened = true;
      };
      source.addEventListener('status', (ev) => {
        handlers.current.onStatus?.(JSON.parse((ev as MessageEvent<string>).data) as JobStatusEvent);
      });
      source.addEventListener('chunk', (ev) => {
        const chunk = JSON.parse((ev as MessageEvent<string>).data) as LogChunkInfo;
        if (chunk.seq <= lastSeq) return; // a resent chunk after a reconnect
        lastSeq = chunk.seq;
        buffer += chunk.data;
        setText(buffer);
        setLines((n) => n + (chunk.data.match(/\n/g)?.length ?? 0));
      });
      source.addEventListener('end', () => {
        stopped = true;
        source?.close();
        setState('ended');
      });
      source.onerror = () => {
        if (stopped) return;
        // CONNECTING = the browser retries by itself; CLOSED = it gave up: we reopen.
        if (source?.readyState === EventSource.CLOSED) {
          setState('reconnecting');
          retry = window.setTimeout(open, delay);
          delay = Math.min(delay * 2, 30_000);
        } else {
          setState('reconnecting');
        }
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [jobId]);

  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);

  const onScroll = () => {
    const el = pre.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
    if (!atBottom && follow) setFollow(false);
  };

  return (
    <section class="card logs" aria-labelledby="logs-title">
      <div class="logs-head">
        <h2 id="logs-title">Log</h2>
        <span class={`stream-state stream-${state}`} role="status" aria-live="polite" data-testid="log-state">
          {STATE_TEXT[state]}
        </span>
        <label class="inline">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow
        </label>
      </div>
      <pre ref={pre} class="log-view" tabIndex={0} aria-label="Job log" data-testid="job-log" onScroll={onScroll}>
        {text || <span class="muted">{state === 'ended' ? 'No log output.' : 'No output yet.'}</span>}
      </pre>
      <p class="muted small">{lines.toLocaleString()} lines</p>
    </section>
  );
}
