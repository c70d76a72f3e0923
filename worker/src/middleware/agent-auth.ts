/**
 * @module
 * `/agent/v1` guards: the protocol version header (→ 426 with what this worker speaks) and the
 * agent bearer token (→ 401). Agent tokens are accepted here only: admin routes look tokens up
 * in admin_tokens, so an agent token opens nothing else.
 */
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError, tooManyRefusals } from '../errors';
import { sourceAddress } from '../lib/address-limiter';
import { unknownToken } from '../services/agents/wait-for-job';
import { AGENT_PROTOCOL_HEADER, AGENT_PROTOCOL_VERSION, MIN_AGENT_PROTOCOL_VERSION, parseProtocolHeader } from '../contracts';
import { sha256Hex } from '../lib/crypto';
import { authenticateAgent, type AuthedAgent } from '../services/agents/tokens';
import { getHub } from '../hub/hub-client';

export interface AgentEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { agent: AuthedAgent; agentTokenHash: string };
}

export const requireProtocol = createMiddleware<AppEnv>(async (c, next) => {
  c.header(AGENT_PROTOCOL_HEADER, String(AGENT_PROTOCOL_VERSION));
  const v = parseProtocolHeader(c.req.header(AGENT_PROTOCOL_HEADER));
  if (!(v >= MIN_AGENT_PROTOCOL_VERSION && v <= AGENT_PROTOCOL_VERSION)) {
    const range = MIN_AGENT_PROTOCOL_VERSION === AGENT_PROTOCOL_VERSION ? `${AGENT_PROTOCOL_VERSION}` : `${MIN_AGENT_PROTOCOL_VERSION}–${AGENT_PROTOCOL_VERSION}`;
    const got = Number.isNaN(v) ? `no valid ${AGENT_PROTOCOL_HEADER} header` : `protocol ${v}`;
    throw new AppError(
      'UNSUPPORTED_PROTOCOL_VERSION',
      `This server speaks agent protocol ${range}, but the agent sent ${got}. ${v > AGENT_PROTOCOL_VERSION ? 'Update the server' : 'Upgrade plexops-agent'} so they match.`,
    );
  }
  await next();
});

/** The bearer token's hash, or 401. No SQL: /wait resolves it through the hub. */
export async function agentTokenHash(c: Context): Promise<string> {
  const m = /^Bearer\s+(\S{1,256})$/i.exec(c.req.header('authorization') ?? '');
  if (!m?.[1]) throw new AppError('UNAUTHORIZED', 'Send the agent token as "Authorization: Bearer <token>".');
  return sha256Hex(m[1]);
}

/**
 * Token hashes this isolate saw pass the SQL check lately. Only an optimisation: such a request
 * skips the hub's door (one Durable Object call) and still checks the token in SQL below, which
 * is what decides; the door exists to spare Postgres the *unknown* ones.
 */
const recentlyAuthenticated = new Map<string, number>();
const RECENT_MS = 5 * 60_000;
const MAX_RECENT = 1_000;

function seenRecently(hash: string): boolean {
  const until = recentlyAuthenticated.get(hash);
  return until !== undefined && until > Date.now();
}

function rememberAuthenticated(hash: string): void {
  if (recentlyAuthenticated.size >= MAX_RECENT) recentlyAuthenticated.clear();
  recentlyAuthenticated.set(hash, Date.now() + RECENT_MS);
}

export const requireAgent = createMiddleware<AgentEnv>(async (c, next) => {
  const hash = await agentTokenHash(c);
  const hub = getHub(c.env);
  const address = sourceAddress(c.req.raw.headers);
  if (!seenRecently(hash)) {
    // The hub's cache is exact once loaded: an unknown token is refused (and counted) with no query.
    const door = await hub.tokenStatus({ hash, address });
    if (door.kind === 'refused') throw unknownToken();
    if (door.kind === 'limited') throw tooManyRefusals(door.retryAfterSeconds);
  }
  const agent = await authenticateAgent(c.var.db(), hash);
  if (!agent) {
    recentlyAuthenticated.delete(hash);
    const v = await hub.noteRefusal(address);
    throw v.allowed ? unknownToken() : tooManyRefusals(v.retryAfterSeconds);
  }
  rememberAuthenticated(hash);
  if (agent.retiredPrevious) await hub.learnAgent({ agentId: agent.id, tokenHashes: agent.tokenHashes, tags: agent.tags });
  c.set('agent', agent);
  c.set('agentTokenHash', hash);
  await next();
});
