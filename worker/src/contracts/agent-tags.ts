/**
 * @module
 * Which agents may take which jobs, as a plain function with no zod (the admin bundle carries
 * none): an agent can run a job when it has every tag the job requires — the rule the claim
 * query applies in SQL (`jobs.tags <@ agent tags`, services/jobs/claim-job.ts). The admin uses it
 * to say "no agent that can run this is online" instead of leaving a queued job unexplained.
 */
export function agentCanRun(agentTags: readonly string[], jobTags: readonly string[]): boolean {
  return jobTags.every((t) => agentTags.includes(t));
}
