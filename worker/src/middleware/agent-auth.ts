/**
 * @module
 * `/agent/v1` guards: the protocol version header (→ 426 with what this worker speaks) and the
 * agent bearer token (→ 401). Agent tokens are accepted here only: admin routes look tokens up
 * in admin_tokens, so an agent token opens nothing else.
 */
import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
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

export const requireAgent = createMiddleware<AgentEnv>(async (c, next) => {
  const hash = await agentTokenHash(c);
  const agent = await authenticateAgent(c.var.db(), hash);
  if (!agent) throw new AppError('UNAUTHORIZED', 'This agent token is unknown or was revoked. Enroll the agent again.');
  if (agent.retiredPrevious) await getHub(c.env).learnAgent({ agentId: agent.id, tokenHashes: agent.tokenHashes, tags: agent.tags });
  c.set('agent', agent);
  c.set('agentTokenHash', hash);
  await next();
});
