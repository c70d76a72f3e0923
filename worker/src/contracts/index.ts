/**
 * @module
 * Contracts shared by worker, admin and agent: zod schemas and types, error codes and
 * protocol versions. Nothing in here may import worker internals.
 */
export * from './errors';
export * from './version';
export * from './auth';
export * from './secrets';
export * from './job-kinds';
export * from './agent-protocol';
export * from './pagination';
export * from './plex';
export * from './library';
export * from './jobs';
export * from './plex-matching';
export * from './job-status';
export * from './overview';
export * from './posters';
export * from './stats';
export * from './storable';
export * from './accounts';
export * from './issues';
