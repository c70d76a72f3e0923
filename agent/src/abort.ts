/**
 * @module
 * Strongly-held alternatives to `AbortSignal.any` / `AbortSignal.timeout`. Node keeps composite
 * and timeout signals only weakly, and a daemon blocked on a long-poll was seen to miss its abort;
 * these signals are kept alive by their sources' listeners and by the timer.
 */
export function anySignal(...signals: AbortSignal[]): AbortSignal {
  const ctl = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      ctl.abort(s.reason);
      return ctl.signal;
    }
  }
  const onAbort = (e: Event) => {
    ctl.abort((e.target as AbortSignal).reason);
    for (const s of signals) s.removeEventListener('abort', onAbort);
  };
  for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  return ctl.signal;
}

export function timeoutSignal(ms: number): AbortSignal {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(new DOMException('timed out', 'TimeoutError')), ms).unref();
  return ctl.signal;
}

/**
 * Like {@link anySignal}, for use inside loops: `dispose()` detaches the listeners it put on its
 * sources, so a long-lived source (the job's signal) does not collect one per iteration.
 */
export function linkSignals(...signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onAbort = (e: Event) => {
    ctl.abort((e.target as AbortSignal).reason);
    dispose();
  };
  const dispose = () => {
    for (const s of signals) s.removeEventListener('abort', onAbort);
  };
  for (const s of signals) {
    if (s.aborted) {
      ctl.abort(s.reason);
      return { signal: ctl.signal, dispose: () => undefined };
    }
  }
  for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  return { signal: ctl.signal, dispose };
}
