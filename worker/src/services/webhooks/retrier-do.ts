/**
 * @module
 * The WebhookRetrier Durable Object (binding `RETRIER`, one instance named "webhooks"). Failed
 * processing asks it to wake at the event's retry time; it keeps one alarm at the earliest
 * requested time. Its alarm re-runs the due failures and re-arms only if some failure is still
 * pending — so with nothing failing there is no alarm and no query (architecture principle 2).
 * Kept apart from the agents' Hub DO: different lifecycles, no shared state.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../../env';
import { RuntimeConfig } from '../../env';
import { openDb } from '../../db/client';
import { createLogger } from '../../lib/logger';
import { createProcessDeps } from './deps';
import { runDueRetries } from './retry';
import { pokeOverview } from '../overview/notify';

export class WebhookRetrier extends DurableObject<Bindings> {
  /** POST /schedule {at: epoch ms}: arm (or move earlier) the alarm. */
  override async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method !== 'POST' || url.pathname !== '/schedule') return new Response(null, { status: 404 });
    const body = (await req.json().catch(() => null)) as { at?: unknown } | null;
    const at = typeof body?.at === 'number' && Number.isFinite(body.at) ? body.at : null;
    if (at === null) return new Response(null, { status: 400 });
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
    return new Response(null, { status: 204 });
  }

  override async alarm(): Promise<void> {
    const logger = createLogger({ task: 'webhook-retrier' });
    const cfg = RuntimeConfig.safeParse(this.env);
    if (!cfg.success) {
      logger.error('retrier skipped: bad environment');
      return;
    }
    const handle = openDb(cfg.data);
    try {
      // Failures during this run re-arm through nextAt below, not through the scheduler.
      const deps = await createProcessDeps(handle.db, { ...this.env, RETRIER: undefined }, logger);
      const { processed, nextAt } = await runDueRetries(handle.db, deps);
      logger.info('webhook retries ran', { processed, nextAt: nextAt?.toISOString() ?? null });
      if (processed > 0) await pokeOverview(this.env);
      if (nextAt) await this.ctx.storage.setAlarm(Math.max(nextAt.getTime(), Date.now() + 1_000));
    } finally {
      await handle.end();
    }
  }
}
