/**
 * @module
 * The agent API, `/agent/v1/*` (contracts/agent-protocol.ts documents the wire rules). Thin
 * handlers: check version and token, call a service, poke the hub about what changed.
 */
import { Hono } from 'hono';
import { AppError, tooManyRefusals } from '../errors';
import { normalizeCode, sha256Hex } from '../lib/crypto';
import { sourceAddress } from '../lib/address-limiter';
import {
  EnrollRequest,
  HeartbeatRequest,
  JobFinishRequest,
  JobIdParam,
  LogsRequest,
  MAX_LOG_REQUEST_BYTES,
  OfflineRequest,
  type OfflineResponse,
  ReleaseRequest,
  StepFinishRequest,
  StepParam,
  StepStartRequest,
  TokenRotateRequest,
  WaitRequest,
} from '../contracts';
import { validate } from '../middleware/validate';
import { limitBody } from '../middleware/body-limit';
import { requireConfig } from '../middleware/request-context';
import { agentTokenHash, requireAgent, requireProtocol, type AgentEnv } from '../middleware/agent-auth';
import { getHub } from '../hub/hub-client';
import { enrollAgent, invalidEnrollmentCode, usedEnrollmentCode } from '../services/agents/enrollment';
import { rotateAgentToken } from '../services/agents/tokens';
import { markAgentOffline } from '../services/agents/lifecycle';
import { waitForJob } from '../services/agents/wait-for-job';
import { storedSecretResolver } from '../services/jobs/claim-secrets';
import { heartbeatAndWait } from '../services/jobs/heartbeat';
import { startStep } from '../services/jobs/step-start';
import { finishStep } from '../services/jobs/step-finish';
import { appendLogs } from '../services/jobs/append-logs';
import { finishJob } from '../services/jobs/finish-job';
import { releaseJob } from '../services/jobs/release-job';

const limit = limitBody;

export const agentApiRoutes = new Hono<AgentEnv>()
  .use(requireProtocol)
  .post('/enroll', limit(16 * 1024), validate('json', EnrollRequest), async (c) => {
    const body = c.req.valid('json');
    const hub = getHub(c.env);
    const address = sourceAddress(c.req.raw.headers);
    const codeHash = await sha256Hex(normalizeCode(body.code));
    // The hub knows every open code: a wrong one is refused (and counted) without a query.
    const door = await hub.admitEnroll({ hash: codeHash, address });
    if (door.kind === 'refused') throw door.used ? usedEnrollmentCode() : invalidEnrollmentCode();
    if (door.kind === 'limited') throw tooManyRefusals(door.retryAfterSeconds);
    let enrolled;
    try {
      enrolled = await enrollAgent(c.var.db(), body);
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAUTHORIZED') {
        const v = await hub.noteRefusal(address);
        if (!v.allowed) throw tooManyRefusals(v.retryAfterSeconds);
      }
      throw err;
    }
    await hub.learnAgent({ agentId: enrolled.agentId, tokenHashes: [enrolled.tokenHash], tags: enrolled.tags });
    await hub.forgetEnrollment(codeHash);
    return c.json({ agentId: enrolled.agentId, token: enrolled.token, tags: enrolled.tags }, 201);
  })
  .post('/wait', limit(4 * 1024), validate('json', WaitRequest), async (c) => {
    const cfg = requireConfig(c);
    const tokenHash = await agentTokenHash(c);
    const body = c.req.valid('json');
    const waitMs = Math.min(body.waitMs ?? cfg.AGENT_WAIT_MS, cfg.AGENT_WAIT_MS);
    const job = await waitForJob(() => c.var.db(), getHub(c.env), {
      tokenHash,
      address: sourceAddress(c.req.raw.headers),
      waitMs,
      ...(body.scope ? { scope: body.scope } : {}),
      previews: body.previews === true,
      leaseTtlMs: cfg.AGENT_LEASE_TTL_MS,
      aborted: () => c.req.raw.signal?.aborted ?? false,
      storedSecret: storedSecretResolver(c.var.db(), cfg.SECRETS_KEY),
    });
    return c.json({ job, pollAfterMs: job ? 0 : cfg.AGENT_POLL_AFTER_MS }, 200);
  })
  .use('/jobs/*', limit(1024 * 1024))
  .use('/jobs/*', requireAgent)
  .use('/token/*', requireAgent)
  .use('/offline', limit(4 * 1024))
  .use('/offline', requireAgent)
  .post('/offline', validate('json', OfflineRequest), async (c) => {
    const res = await markAgentOffline(c.var.db(), c.var.agent.id);
    await getHub(c.env).agentOffline(c.var.agent.id);
    c.var.logger.info('agent going offline', { agentId: c.var.agent.id, reason: c.req.valid('json').reason ?? null });
    const body: OfflineResponse = { ok: true, offlineAt: res.offlineAt };
    return c.json(body, 200);
  })
  .post('/jobs/:id/heartbeat', validate('param', JobIdParam), validate('json', HeartbeatRequest), async (c) => {
    const cfg = requireConfig(c);
    const body = c.req.valid('json');
    const res = await heartbeatAndWait(c.var.db(), getHub(c.env), {
      jobId: c.req.valid('param').id,
      agentId: c.var.agent.id,
      leaseToken: body.leaseToken,
      leaseTtlMs: cfg.AGENT_LEASE_TTL_MS,
      progress: body.progress,
      waitMs: Math.min(body.waitMs ?? 0, cfg.AGENT_WAIT_MS),
    });
    return c.json(res, 200);
  })
  .post('/jobs/:id/steps/:index/start', validate('param', StepParam), validate('json', StepStartRequest), async (c) => {
    const { id, index } = c.req.valid('param');
    const res = await startStep(c.var.db(), { jobId: id, agentId: c.var.agent.id, index, ...c.req.valid('json') });
    await getHub(c.env).pokeJob(id);
    return c.json(res, 200);
  })
  .post('/jobs/:id/steps/:index/finish', validate('param', StepParam), validate('json', StepFinishRequest), async (c) => {
    const { id, index } = c.req.valid('param');
    const res = await finishStep(c.var.db(), { jobId: id, agentId: c.var.agent.id, index, ...c.req.valid('json') });
    await getHub(c.env).pokeJob(id);
    return c.json(res, 200);
  })
  .post('/jobs/:id/logs', limit(MAX_LOG_REQUEST_BYTES), validate('param', JobIdParam), validate('json', LogsRequest), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const res = await appendLogs(c.var.db(), { jobId: id, agentId: c.var.agent.id, leaseToken: body.leaseToken, chunks: body.chunks });
    await getHub(c.env).pokeJob(id);
    return c.json(res, 200);
  })
  .post('/jobs/:id/finish', validate('param', JobIdParam), validate('json', JobFinishRequest), async (c) => {
    const { id } = c.req.valid('param');
    const res = await finishJob(c.var.db(), { jobId: id, agentId: c.var.agent.id, ...c.req.valid('json') });
    if (res.ok) await getHub(c.env).pokeJob(id);
    return c.json(res, 200);
  })
  .post('/jobs/:id/release', validate('param', JobIdParam), validate('json', ReleaseRequest), async (c) => {
    const { id } = c.req.valid('param');
    const { requeued, ...res } = await releaseJob(c.var.db(), { jobId: id, agentId: c.var.agent.id, ...c.req.valid('json') });
    const hub = getHub(c.env);
    await hub.pokeJob(id);
    // Another agent may take it now rather than at lease expiry.
    if (requeued) await hub.pokeWork();
    return c.json(res, 200);
  })
  .post('/token/rotate', validate('json', TokenRotateRequest), async (c) => {
    const agent = c.var.agent;
    const { token, tokenHash } = await rotateAgentToken(c.var.db(), agent.id, c.var.agentTokenHash);
    // Both work until the new one is first used; that first use must reach Postgres, which
    // retires the old one (tokens.ts), so the hub holds the new one as "expected", not verified.
    const hub = getHub(c.env);
    await hub.learnAgent({ agentId: agent.id, tokenHashes: [c.var.agentTokenHash], tags: agent.tags });
    await hub.expectToken({ agentId: agent.id, hash: tokenHash });
    return c.json({ token }, 200);
  });
