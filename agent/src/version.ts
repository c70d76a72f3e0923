/** @module The agent's own version, baked into the bundle; sent to the worker on enroll and wait. */
export const AGENT_VERSION = '0.1.0';
