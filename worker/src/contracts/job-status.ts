/**
 * @module
 * The job and step status lists, as plain constants with no zod, so the database schema, the
 * admin bundle and the zod contracts all take them from one place.
 */
export const JOB_STATUSES = ['queued', 'claimed', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'needs_attention'] as const;
export type JobStatusValue = (typeof JOB_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled', 'needs_attention'] as const;

/** Statuses a job never leaves by itself (only an operator's retry reopens it). */
export const TERMINAL_JOB_STATUSES = ['succeeded', 'failed', 'cancelled', 'needs_attention'] as const satisfies readonly JobStatusValue[];

export function isTerminalJobStatus(status: string): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

/** Statuses an agent may finish a job with. */
export const AGENT_FINISH_STATUSES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobStatusValue[];

/** Jobs an operator may retry. */
export const RETRYABLE_JOB_STATUSES = ['failed', 'cancelled', 'needs_attention'] as const satisfies readonly JobStatusValue[];

/** Jobs a lease is held on (an agent works on them). */
export const LEASED_JOB_STATUSES = ['claimed', 'running'] as const satisfies readonly JobStatusValue[];

/** Steps that have not started yet, gate or no gate. */
export const WAITING_STEP_STATUSES = ['pending', 'awaiting_approval'] as const satisfies readonly (typeof STEP_STATUSES)[number][];

/** Steps a finished job must close: not started, or still marked running. */
export const OPEN_STEP_STATUSES = ['running', ...WAITING_STEP_STATUSES] as const satisfies readonly (typeof STEP_STATUSES)[number][];

export function isRetryableJobStatus(status: string): boolean {
  return (RETRYABLE_JOB_STATUSES as readonly string[]).includes(status);
}
