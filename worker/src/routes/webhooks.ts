/**
 * @module
 * `POST /webhooks/plex/:secret` — what a Plex server calls. Public (Plex cannot sign), so the
 * order is cheapest-refusal first: declared size → the secret's shape → the gate (no query: the
 * exact set of valid secrets and a refusal budget per address, webhook-gate.ts) → secret + rate
 * limit (one query) → read the body under the cap → parse → store (committed before the 200)
 * → process after the response (waitUntil). An unknown secret gets exactly the body of any unknown route: no hint that the
 * path exists. Any other method answers 405 whatever the secret, so that says nothing either.
 *
 * This route opens its own DB pool instead of `c.var.db()`: that one closes when the response
 * is sent, and processing continues after it on the same connection.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { AppError, tooManyRefusals } from '../errors';
import { openDb } from '../db/client';
import { afterResponse, requireConfig } from '../middleware/request-context';
import { checkDeclaredLength, readWebhookBody } from '../services/webhooks/body';
import { parsePayload } from '../services/webhooks/payload';
import { authenticateWebhook, ignoreReason, isSecretShaped, storeEvent } from '../services/webhooks/ingest';
import { createProcessDeps, webhookGate } from '../services/webhooks/deps';
import type { Admission } from '../services/webhooks/webhook-gate';
import { sha256Hex } from '../lib/crypto';
import { sourceAddress } from '../lib/address-limiter';
import { hasWork, processAfterDelivery, type DeliveryWork } from '../services/webhooks/after-delivery';
import { storeBaselineEvent } from '../services/webhooks/baseline';
import type { WebhookAccepted } from '../contracts/plex';
import { keepPlexThumb } from '../services/posters/store';
import { pokeOverview } from '../services/overview/notify';

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

export const webhookRoutes = new Hono<AppEnv>()
  .post('/plex/:secret', async (c) => {
    const cfg = requireConfig(c);
    await checkDeclaredLength(c.req.raw, cfg.WEBHOOK_MAX_BODY_BYTES);
    const presented = c.req.param('secret');
    if (!isSecretShaped(presented)) return c.notFound();
    const hash = await sha256Hex(presented);
    const address = sourceAddress(c.req.raw.headers);
    const gate = webhookGate(c.env, cfg.REFUSALS_PER_MINUTE);
    // Armed before the event exists: if this isolate dies any time after the store commits, the
    // retrier wakes one lock period later and finds the event stranded (retry.ts).
    const admission = await gate.admit({ hash, address, armAt: Date.now() + cfg.WEBHOOK_LOCK_MS + 1_000 }).catch((err: unknown): Admission => {
      c.var.logger.warn('the webhook gate is unreachable; checking the secret in Postgres', { error: String(err) });
      return { kind: 'unchecked' };
    });
    if (admission.kind === 'unknown') return c.notFound();
    if (admission.kind === 'limited') throw tooManyRefusals(admission.retryAfterSeconds);
    const handle = openDb(cfg);
    let handedOff = false;
    try {
      const auth = await authenticateWebhook(handle.db, hash);
      if (!auth.ok && auth.reason === 'unknown-secret') {
        const v = await gate.noteRefusal(address).catch(() => ({ allowed: true, retryAfterSeconds: 0 }));
        if (!v.allowed) throw tooManyRefusals(v.retryAfterSeconds);
        return c.notFound();
      }
      if (!auth.ok) {
        c.header('Retry-After', String(auth.retryAfterSeconds));
        throw new AppError('RATE_LIMITED', `Too many webhook deliveries: the limit is ${auth.limit} per minute.`);
      }
      const body = await readWebhookBody(c.req.raw, cfg.WEBHOOK_MAX_BODY_BYTES);
      const { payload, raw, problems } = parsePayload(body.payloadText);
      const refused = problems.length ? `The payload cannot be processed as sent: ${problems.join('; ')}.` : null;
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
      // After the 200: the poster to the bucket (first one per item), live dashboards told.
      if (stored.status === 'pending') await afterResponse(c, keepPlexThumb(c.env?.POSTERS, payload, body.thumb, c.var.logger));
      else await afterResponse(c, pokeOverview(c.env));
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
              await pokeOverview(c.env);
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
    await checkDeclaredLength(c.req.raw, cfg.WEBHOOK_MAX_BODY_BYTES);
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
