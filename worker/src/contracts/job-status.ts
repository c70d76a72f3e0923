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
