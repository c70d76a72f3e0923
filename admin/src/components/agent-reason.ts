/**
 * @module
 * Why a queued job is not moving, in one sentence (pure: no request, so it is unit-tested in Node).
 * The tag rule is contracts/agent-tags.ts — the one the claim query applies.
 */
import type { AgentInfo } from '../../../worker/src/contracts';
import { agentCanRun } from '../../../worker/src/contracts/agent-tags';
import { relativeTime } from './format';

/** A sentence saying why no agent will take a job with these tags, or null when one can. */
export function noAgentReason(agents: readonly AgentInfo[], jobTags: readonly string[], now = Date.now()): string | null {
  const able = agents.filter((a) => a.state !== 'revoked' && agentCanRun(a.tags, jobTags));
  if (able.some((a) => a.online)) return null;
  if (able.length === 0) {
    if (!agents.some((a) => a.state !== 'revoked')) return 'No agent is enrolled yet: enroll one on your home network (Agents → Enroll an agent).';
    const list = jobTags.join(', ');
    return `No enrolled agent has the tag${jobTags.length === 1 ? '' : 's'} ${list}: enroll one with --tags ${jobTags.join(',')}, or create the job without ${jobTags.length === 1 ? 'it' : 'them'}.`;
  }
  const seen = able
    .filter((a) => a.lastSeenAt)
    .sort((x, y) => Date.parse(y.lastSeenAt!) - Date.parse(x.lastSeenAt!))[0];
  const last = seen ? ` (${seen.name} was last seen ${relativeTime(seen.lastSeenAt!, now, 'past')})` : able.every((a) => a.state === 'never_connected') ? ' (enrolled, but never connected: start it with plexops-agent run)' : '';
  return `No agent that can run it is online${last}. It will start as soon as one connects.`;
}
