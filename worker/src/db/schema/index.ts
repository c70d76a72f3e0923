/** @module Every table, for drizzle-kit and the typed client. One file per area. */
export * from './auth';
export * from './catalog';
export * from './jobs';
export * from './plex';
export * from './tracker';
