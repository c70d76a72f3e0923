/**
 * @module
 * Versions shared by the worker, admin and agent. The agent ships separately from the
 * worker, so the agent protocol carries its own explicit version.
 */
export const APP_VERSION = '0.1.0';

/** Bumped on any breaking change to /agent/v1 request or response shapes. */
export const AGENT_PROTOCOL_VERSION = 1;
/** Oldest agent protocol the worker still accepts. */
export const MIN_AGENT_PROTOCOL_VERSION = 1;
