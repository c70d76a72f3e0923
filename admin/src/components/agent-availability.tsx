/**
 * @module
 * Why a queued job is not moving, said on the Jobs page and the job's page: no agent at all, none
 * with the job's tags, or none of those online. Agents come from `GET /api/agents` (refreshed while
 * the page is visible), the tag rule from contracts/agent-tags.ts — the one the claim query uses.
 */
import { useEffect } from 'preact/hooks';
import type { AgentInfo } from '../../../worker/src/contracts';
import { client, unwrap } from '../api';
import { useAsync } from './use-async';
import { noAgentReason } from './agent-reason';

export { noAgentReason };

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
