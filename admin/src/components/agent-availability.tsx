/**
 * @module
 * Why a queued job is not moving, said on the Jobs page and the job's page: no agent at all, none
 * with the job's tags, or none of those online. Agents come from `GET /api/agents` (refreshed while
 * the page is visible), the tag rule from contracts/agent-tags.ts — the one the claim query uses.
 */
import { useEffect } from 'preact/hooks';
import type { AgentInfo } from '../../../worker/src/contracts';
import { agentCanRun } from '../../../worker/src/contracts/agent-tags';
import { client, unwrap } from '../api';
import { useAsync } from './use-async';
import { relativeTime } from './format';

/** The agent list, refreshed every `everyMs` while the tab is visible. */
export function useAgents(everyMs = 10_000): AgentInfo[] | null {
  const agents = useAsync(async () => (await unwrap(client.api.agents.$get())).items, []);
  useEffect(() => {
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') void agents.reload();
    }, everyMs);
    return () => clearInterval(t);
  }, [agents.reload]);
  return agents.data ?? null;
}

/** A sentence saying why no agent will take a job with these tags, or null when one can. */
export function noAgentReason(agents: readonly AgentInfo[], jobTags: readonly string[], now = Date.now()): string | null {
  const able = agents.filter((a) => a.state !== 'revoked' && agentCanRun(a.tags, jobTags));
  if (able.some((a) => a.online)) return null;
  const tags = jobTags.length ? ` with the tag${jobTags.length === 1 ? '' : 's'} ${jobTags.join(', ')}` : '';
  if (able.length === 0) {
    return agents.some((a) => a.state !== 'revoked')
      ? `No enrolled agent has${tags ? tags.replace(' with', '') : ' the tags it needs'}: enroll one${tags} (Agents → Enroll an agent).`
      : 'No agent is enrolled yet: enroll one on your home network (Agents → Enroll an agent).';
  }
  const seen = able
    .filter((a) => a.lastSeenAt)
    .sort((x, y) => Date.parse(y.lastSeenAt!) - Date.parse(x.lastSeenAt!))[0];
  const last = seen ? ` (${seen.name} was last seen ${relativeTime(seen.lastSeenAt!, now, 'past')})` : able.every((a) => a.state === 'never_connected') ? ' (enrolled, but never connected: start it with plexops-agent run)' : '';
  return `No agent that can run it is online${last}. It will start as soon as one connects.`;
}

/** The notice for a queued job (nothing for other states, or while the agent list loads). */
export function NoAgentNotice({ agents, tags, status }: { agents: AgentInfo[] | null; tags: string[]; status: string }) {
  if (status !== 'queued' || !agents) return null;
  const reason = noAgentReason(agents, tags);
  if (!reason) return null;
  return (
    <div class="notice" role="note" data-testid="no-agent">
      <p>
        <strong>Waiting for an agent.</strong> {reason}
      </p>
    </div>
  );
}
