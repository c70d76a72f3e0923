/**
 * @module
 * The agent API, `/agent/v1/*` (contracts/agent-protocol.ts documents the wire rules). Thin
 * handlers: check version and token, call a service, poke the hub about what changed.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors';
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
import { requireConfig } from '../middleware/request-context';
import { agentTokenHash, requireAgent, requireProtocol, type AgentEnv } from '../middleware/agent-auth';
import { getHub } from '../hub/hub-client';
import { enrollAgent } from '../services/agents/enrollment';
import { rotateAgentToken } from '../services/agents/tokens';
import { markAgentOffline } from '../services/agents/lifecycle';
import { waitForJob } from '../services/agents/wait-for-job';
import { heartbeatAndWait } from '../services/jobs/heartbeat';
import { startStep } from '../services/jobs/step-start';
import { finishStep } from '../services/jobs/step-finish';
import { appendLogs } from '../services/jobs/append-logs';
import { finishJob } from '../services/jobs/finish-job';
import { releaseJob } from '../services/jobs/release-job';

const limit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${maxSize} bytes.`);
    },
  });

export const agentApiRoutes = new Hono<AgentEnv>()
  .use(requireProtocol)
  .post('/enroll', limit(16 * 1024), validate('json', EnrollRequest), async (c) => {
    const body = c.req.valid('json');
    const enrolled = await enrollAgent(c.var.db(), body);
    await getHub(c.env).learnAgent({ agentId: enrolled.agentId, tokenHashes: [enrolled.tokenHash], tags: enrolled.tags });
    return c.json({ agentId: enrolled.agentId, token: enrolled.token }, 201);
  })
  .post('/wait', limit(4 * 1024), validate('json', WaitRequest), async (c) => {
    const cfg = requireConfig(c);
    const tokenHash = await agentTokenHash(c);
    const waitMs = Math.min(c.req.valid('json').waitMs ?? cfg.AGENT_WAIT_MS, cfg.AGENT_WAIT_MS);
    const job = await waitForJob(() => c.var.db(), getHub(c.env), {
      tokenHash,
      waitMs,
      leaseTtlMs: cfg.AGENT_LEASE_TTL_MS,
      aborted: () => c.req.raw.signal?.aborted ?? false,
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
    const res = await rotateAgentToken(c.var.db(), c.var.agent.id, c.var.agentTokenHash);
    // The hub relearns the agent (old + new hash) on its next /wait.
    await getHub(c.env).forgetAgent(c.var.agent.id);
    return c.json(res, 200);
  });
