/**
 * @module
 * `POST /webhooks/plex/:secret` — what a Plex server calls. Public (Plex cannot sign), so the
 * order is cheapest-refusal first: declared size → secret + rate limit (one query) → read the
 * body under the cap → parse → store (committed before the 200) → process after the response
 * (waitUntil). An unknown secret gets exactly the body of any unknown route: no hint that the
 * path exists. Any other method answers 405 whatever the secret, so that says nothing either.
 *
 * This route opens its own DB pool instead of `c.var.db()`: that one closes when the response
 * is sent, and processing continues after it on the same connection.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { openDb } from '../db/client';
import { afterResponse, requireConfig } from '../middleware/request-context';
import { checkDeclaredLength, readWebhookBody } from '../services/webhooks/body';
import { parsePayload } from '../services/webhooks/payload';
import { authenticateWebhook, ignoreReason, storeEvent } from '../services/webhooks/ingest';
import { createProcessDeps, retrierScheduler } from '../services/webhooks/deps';
import { hasWork, processAfterDelivery, type DeliveryWork } from '../services/webhooks/after-delivery';
import type { Logger } from '../lib/logger';
import { storeBaselineEvent } from '../services/webhooks/baseline';
import type { WebhookAccepted } from '../contracts/plex';

const KEPT_HEADERS = ['user-agent', 'content-type', 'content-length', 'x-plex-client-identifier', 'x-plex-product', 'x-plex-version', 'x-plex-platform', 'x-plex-device'];

/** Non-secret headers worth keeping for diagnosis; nothing that could carry a credential. */
function headersOfInterest(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = h.get(name);
    if (v) out[name] = v.slice(0, 300);
  }
  return out;
}

/** Best effort: a retrier that cannot be reached must not cost the delivery (the cron still sweeps). */
async function armRetrier(env: AppEnv['Bindings'], at: number, logger: Logger): Promise<void> {
  const schedule = retrierScheduler(env);
  if (!schedule) return;
  await schedule(new Date(at)).catch((err) => logger.warn('could not arm the webhook retrier', { error: String(err) }));
}

export const webhookRoutes = new Hono<AppEnv>()
  .post('/plex/:secret', async (c) => {
    const cfg = requireConfig(c);
    checkDeclaredLength(c.req.header('content-length'), cfg.WEBHOOK_MAX_BODY_BYTES);
    const handle = openDb(cfg);
    let handedOff = false;
    try {
      const auth = await authenticateWebhook(handle.db, c.req.param('secret'));
      if (!auth.ok && auth.reason === 'unknown-secret') return c.notFound();
      if (!auth.ok) {
        c.header('Retry-After', String(auth.retryAfterSeconds));
        throw new AppError('RATE_LIMITED', `Too many webhook deliveries: the limit is ${auth.limit} per minute.`);
      }
      const body = await readWebhookBody(c.req.raw, cfg.WEBHOOK_MAX_BODY_BYTES);
      const { payload, raw, problems } = parsePayload(body.payloadText);
      const refused = problems.length ? `The payload cannot be processed as sent: ${problems.join('; ')}.` : null;
      // Armed before the event exists: if this isolate dies any time after the store commits, the
      // retrier wakes one lock period later and finds the event stranded (retry.ts).
      await armRetrier(c.env, Date.now() + cfg.WEBHOOK_LOCK_MS + 1_000, c.var.logger);
      const stored = await storeEvent(handle.db, {
        secretId: auth.secretId,
        payload,
        raw,
        headers: headersOfInterest(c.req.raw.headers),
        sourceIp: c.req.header('cf-connecting-ip') ?? null,
        ignored: ignoreReason(payload, auth.config),
        refused,
        lockMs: cfg.WEBHOOK_LOCK_MS,
      });
      // Kept, not lost: the log shows it (sanitised) as failed with the reason; the sender gets it too.
      if (stored.status === 'failed') throw new AppError('INVALID_PAYLOAD', `${refused} It was stored as ${stored.id} (failed, not processed).`);
      const work: DeliveryWork = { eventId: stored.status === 'pending' ? stored.id : null, revived: stored.revived, stranded: stored.stranded };
      if (hasWork(work)) {
        const logger = c.var.logger.child({ eventId: stored.id });
        handedOff = true;
        await afterResponse(
          c,
          (async () => {
            try {
              await processAfterDelivery(handle.db, await createProcessDeps(handle.db, c.env, logger), work);
            } catch (err) {
              // createProcessDeps failed (e.g. the pool could not connect): the events stay stranded for the alarm.
              logger.error('webhook processing could not start', { error: String(err) });
            } finally {
              await handle.end();
            }
          })(),
        );
      }
      // A redelivery of a stranded event is that event, now being processed again: say so.
      const answer: WebhookAccepted = stored.revived
        ? { status: 'accepted', id: stored.revived }
        : { status: stored.status === 'pending' ? 'accepted' : stored.status, id: stored.id };
      return c.json(answer, 200);
    } finally {
      if (!handedOff) await handle.end();
    }
  })
  // Benchmarks only (BENCH_BASELINE=1): the same body parsing plus a single INSERT, nothing else.
  .post('/bench-baseline', async (c) => {
    const cfg = requireConfig(c);
    if (cfg.BENCH_BASELINE !== '1') return c.notFound();
    checkDeclaredLength(c.req.header('content-length'), cfg.WEBHOOK_MAX_BODY_BYTES);
    const handle = openDb(cfg);
    try {
      const body = await readWebhookBody(c.req.raw, cfg.WEBHOOK_MAX_BODY_BYTES);
      const { payload, raw } = parsePayload(body.payloadText);
      const id = await storeBaselineEvent(handle.db, payload, raw);
      return c.json({ status: 'accepted', id }, 200);
    } finally {
      await handle.end();
    }
  })
  .all('/plex/:secret', (c) => {
    c.header('Allow', 'POST');
    throw new AppError('METHOD_NOT_ALLOWED', 'Plex webhooks are delivered with POST.');
  });
