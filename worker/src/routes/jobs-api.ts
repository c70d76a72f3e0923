/**
 * @module
 * Admin API for jobs and agents: `/api/job-kinds`, `/api/jobs*`, `/api/agents*`. Every write
 * that can make work claimable or change what a running agent must know pokes the hub.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../env';
import { ApproveRequest, CreateJobRequest, EnrollmentRequest, IdParam, JobsQuery, LogsQuery, MAX_LOG_SEQ, RejectRequest, describeJobKinds } from '../contracts';
import { AppError } from '../errors';
import { validate } from '../middleware/validate';
import { actorOf } from '../middleware/admin-auth';
import { requireConfig } from '../middleware/request-context';
import { getHub } from '../hub/hub-client';
import { createJob, runForReal } from '../services/jobs/create-job';
import { getJob, listJobs, readLogs } from '../services/jobs/query-jobs';
import { approveStep, cancelJob, rejectStep, retryJob } from '../services/jobs/admin-actions';
import { streamJobLogs } from '../services/jobs/log-stream';
import { createEnrollment } from '../services/agents/enrollment';
import { listAgents, onlineWindowMs } from '../services/agents/list-agents';
import { removeAgent, revokeAgent } from '../services/agents/lifecycle';

/**
 * Where a reconnecting EventSource resumes: its Last-Event-ID (the last chunk seq it got), else
 * `?after=`. A value that is no seq is a 400 before the stream opens — a 200 with an empty body
 * would make the browser reconnect with the same header forever.
 */
function resumeAfter(lastEventId: string | undefined, after: number): number {
  if (lastEventId === undefined || lastEventId.trim() === '') return after;
  const parsed = LogsQuery.shape.after.safeParse(lastEventId.trim());
  if (!parsed.success || !/^-?\d+$/.test(lastEventId.trim())) {
    throw new AppError('BAD_REQUEST', `Last-Event-ID must be a log seq between -1 and ${MAX_LOG_SEQ}; start again without it.`);
  }
  return parsed.data;
}

export const jobsApiRoutes = new Hono<AppEnv>()
  .get('/job-kinds', (c) => c.json({ items: describeJobKinds() }, 200))
  .post('/jobs', validate('json', CreateJobRequest), async (c) => {
    const body = c.req.valid('json');
    const { id } = await createJob(c.var.db(), { kind: body.kind, params: body.params, tags: body.tags, createdBy: actorOf(c), dryRun: body.dryRun });
    await getHub(c.env).pokeWork();
    return c.json(await getJob(c.var.db(), id), 201);
  })
  .post('/jobs/:id/run', validate('param', IdParam), async (c) => {
    const { id } = await runForReal(c.var.db(), c.req.valid('param').id, actorOf(c));
    await getHub(c.env).pokeWork();
    return c.json(await getJob(c.var.db(), id), 201);
  })
  .get('/jobs', validate('query', JobsQuery), async (c) => c.json(await listJobs(c.var.db(), c.req.valid('query')), 200))
  .get('/jobs/:id', validate('param', IdParam), async (c) => c.json(await getJob(c.var.db(), c.req.valid('param').id), 200))
  .get('/jobs/:id/logs', validate('param', IdParam), validate('query', LogsQuery), async (c) =>
    c.json(await readLogs(c.var.db(), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .get('/jobs/:id/logs/stream', validate('param', IdParam), validate('query', LogsQuery), async (c) => {
    const cfg = requireConfig(c);
    const { id } = c.req.valid('param');
    const after = resumeAfter(c.req.header('last-event-id'), c.req.valid('query').after);
    await getJob(c.var.db(), id); // 404 before the stream opens
    return streamSSE(c, (stream) =>
      streamJobLogs(stream, { cfg, hub: getHub(c.env), jobId: id, after, signal: c.req.raw.signal, keepAliveMs: cfg.AGENT_WAIT_MS || 25_000 }),
    );
  })
  .post('/jobs/:id/approve', validate('param', IdParam), validate('json', ApproveRequest), async (c) => {
    const { id } = c.req.valid('param');
    const res = await approveStep(c.var.db(), { jobId: id, step: c.req.valid('json').step, approvedBy: actorOf(c) });
    const hub = getHub(c.env);
    if (res.pokeWork) await hub.pokeWork();
    await hub.pokeJob(id);
    return c.json({ status: res.status, approval: res.approval }, 200);
  })
  .post('/jobs/:id/reject', validate('param', IdParam), validate('json', RejectRequest), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const res = await rejectStep(c.var.db(), { jobId: id, step: body.step, reason: body.reason, rejectedBy: actorOf(c) });
    await getHub(c.env).pokeJob(id);
    return c.json({ status: res.status }, 200);
  })
  .post('/jobs/:id/cancel', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    const res = await cancelJob(c.var.db(), id);
    await getHub(c.env).pokeJob(id);
    return c.json({ status: res.status, cancelRequested: true }, 200);
  })
  .post('/jobs/:id/retry', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    const res = await retryJob(c.var.db(), id);
    const hub = getHub(c.env);
    await hub.pokeWork();
    await hub.pokeJob(id);
    return c.json({ status: res.status }, 200);
  })
  .get('/agents', async (c) => {
    const cfg = requireConfig(c);
    const presence = await getHub(c.env).presence();
    const items = await listAgents(c.var.db(), presence, { onlineWindowMs: onlineWindowMs(cfg) });
    return c.json({ items }, 200);
  })
  .post('/agents/enrollments', validate('json', EnrollmentRequest), async (c) => {
    const cfg = requireConfig(c);
    const serverUrl = cfg.PUBLIC_URL ? new URL(cfg.PUBLIC_URL).origin : new URL(c.req.url).origin;
    const { codeHash, ...enrollment } = await createEnrollment(c.var.db(), { createdBy: actorOf(c), serverUrl, agentCommand: cfg.AGENT_COMMAND, tags: c.req.valid('json').tags });
    // The hub refuses unknown codes without a query: it must know this one.
    await getHub(c.env).learnEnrollment({ hash: codeHash, expiresAt: Date.parse(enrollment.expiresAt) });
    return c.json(enrollment, 201);
  })
  .delete('/agents/:id', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    const settled = await revokeAgent(c.var.db(), id);
    const hub = getHub(c.env);
    await hub.forgetAgent(id);
    // Its job is someone else's now (or needs a person): wake waiting agents and every watcher.
    if (settled.requeued.length) await hub.pokeWork();
    for (const jobId of [...settled.requeued, ...settled.needsAttention, ...settled.cancelled]) await hub.pokeJob(jobId);
    return c.json({ id, revoked: true, requeued: settled.requeued, needsAttention: settled.needsAttention, cancelled: settled.cancelled }, 200);
  })
  .post('/agents/:id/remove', validate('param', IdParam), async (c) => {
    const { id } = c.req.valid('param');
    await removeAgent(c.var.db(), id);
    return c.json({ id, removed: true }, 200);
  });
