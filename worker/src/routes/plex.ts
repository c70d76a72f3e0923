/**
 * @module
 * /api/plex — the Plex integration's config (secrets go in, never come out), the webhook URL and
 * its rotation, the webhook log with replay, and stats. Mounted under the admin API (auth
 * required). The matching side mounts its own /api/plex/mappings and /conflicts routes.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { requireConfig } from '../middleware/request-context';
import { PlexConfigUpdate, WebhookLogQuery, type PlexConfig, type RotateSecretResponse } from '../contracts/plex';
import { IdParam } from '../contracts/ids';
import { secretBoxFromEnv } from '../lib/secret-box';
import { disableIntegration, lastWebhookAt, loadConfig, updateConfig } from '../services/webhooks/config';
import { currentWebhookSecret, ensureWebhookSecret, rotateWebhookSecret } from '../services/webhooks/secrets';
import { getWebhookEvent, listWebhookEvents } from '../services/webhooks/logs';
import { plexStats } from '../services/webhooks/stats';
import { replayEvent } from '../services/webhooks/replay';
import { createProcessDeps, webhookGate } from '../services/webhooks/deps';
import { pokeOverview } from '../services/overview/notify';

function webhookUrl(c: Context<AppEnv>, secret: string): string {
  const base = requireConfig(c).PUBLIC_URL ?? new URL(c.req.url).origin;
  return `${base.replace(/\/+$/, '')}/webhooks/plex/${secret}`;
}

/** The config as the API shows it; `freshSecret` is the clear secret when it was just created. */
async function configView(c: Context<AppEnv>, freshSecret: string | null = null): Promise<PlexConfig> {
  const db = c.var.db();
  const box = await secretBoxFromEnv(requireConfig(c).SECRETS_KEY);
  const [cfg, secret, lastAt] = await Promise.all([loadConfig(db), freshSecret ?? currentWebhookSecret(db, box), lastWebhookAt(db)]);
  return {
    enabled: cfg.enabled,
    autoAddShows: cfg.autoAddShows,
    autoMarkWatched: cfg.autoMarkWatched,
    watchedThreshold: cfg.watchedThreshold,
    trackedAccountIds: cfg.trackedAccountIds,
    serverUuid: cfg.serverUuid,
    hasPlexToken: cfg.plexTokenEnc !== null,
    hasTmdbKey: cfg.tmdbApiKeyEnc !== null,
    webhookUrl: secret ? webhookUrl(c, secret) : null,
    lastWebhookAt: (lastAt ?? cfg.lastWebhookAt)?.toISOString() ?? null,
    rateLimitPerMinute: cfg.rateLimitPerMinute,
    playWindowMinutes: cfg.playWindowMinutes,
    secretGraceHours: cfg.secretGraceHours,
    logRetentionDays: cfg.logRetentionDays,
  };
}

export const plexRoutes = new Hono<AppEnv>()
  .get('/config', async (c) => c.json(await configView(c), 200))
  .put('/config', validate('json', PlexConfigUpdate), async (c) => {
    const input = c.req.valid('json');
    const env = requireConfig(c);
    const db = c.var.db();
    const fresh = await db.transaction(async (tx) => {
      await updateConfig(tx, input, env.SECRETS_KEY);
      return ensureWebhookSecret(tx, await secretBoxFromEnv(env.SECRETS_KEY));
    });
    if (fresh) await webhookGate(c.env, env.REFUSALS_PER_MINUTE).reloadSecrets();
    await pokeOverview(c.env);
    return c.json(await configView(c, fresh), 200);
  })
  .delete('/config', async (c) => {
    await disableIntegration(c.var.db());
    await pokeOverview(c.env);
    return c.json(await configView(c), 200);
  })
  .post('/config/rotate-secret', async (c) => {
    const db = c.var.db();
    const box = await secretBoxFromEnv(requireConfig(c).SECRETS_KEY);
    const cfg = await loadConfig(db);
    const issued = await db.transaction((tx) => rotateWebhookSecret(tx, box, cfg.secretGraceHours));
    // The gate must know the new secret (and the old one's expiry) before the URL is handed out.
    await webhookGate(c.env, requireConfig(c).REFUSALS_PER_MINUTE).reloadSecrets();
    const body: RotateSecretResponse = { webhookUrl: webhookUrl(c, issued.secret), previousValidUntil: issued.previousValidUntil?.toISOString() ?? null };
    return c.json(body, 200);
  })
  .get('/logs', validate('query', WebhookLogQuery), async (c) => c.json(await listWebhookEvents(c.var.db(), c.req.valid('query')), 200))
  .get('/logs/:id', validate('param', IdParam), async (c) => {
    const event = await getWebhookEvent(c.var.db(), c.req.valid('param').id);
    if (!event) throw new AppError('NOT_FOUND', 'No such webhook event.');
    return c.json(event, 200);
  })
  .post('/logs/:id/replay', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    const db = c.var.db();
    await replayEvent(db, await createProcessDeps(db, c.env, c.var.logger.child({ replay: id })), id);
    await pokeOverview(c.env);
    const event = await getWebhookEvent(db, id);
    if (!event) throw new AppError('NOT_FOUND', 'No such webhook event.');
    return c.json(event, 200);
  })
  .get('/stats', async (c) => c.json(await plexStats(c.var.db()), 200));
