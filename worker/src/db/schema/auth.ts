/**
 * @module
 * Admin credentials. Every secret is stored as a SHA-256 hash of a high-entropy random
 * value: a database leak yields nothing that signs anyone in.
 */
import { bigint, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt } from './columns';

export const adminTokens = pgTable('admin_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: tsz('last_used_at'),
  revokedAt: tsz('revoked_at'),
});

export const adminSessions = pgTable(
  'admin_sessions',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull().unique(),
    /** "token:<tokenId>" or "plex:<accountId>" */
    principalId: text('principal_id').notNull(),
    principalName: text('principal_name').notNull(),
    via: text('via', { enum: ['admin-token', 'plex', 'sign-in-link'] }).notNull(),
    createdAt: createdAt(),
    expiresAt: tsz('expires_at').notNull(),
    lastSeenAt: tsz('last_seen_at').notNull().defaultNow(),
    revokedAt: tsz('revoked_at'),
    /** The browser's User-Agent when the session was made (≤ 300 chars), so a person can tell sessions apart. */
    userAgent: text('user_agent'),
  },
  (t) => [index('admin_sessions_expires_idx').on(t.expiresAt), index('admin_sessions_principal_idx').on(t.principalId)],
);

/** One-time sign-in links (printed by `npm start` / `npm run admin:token -- --link`). */
export const signInLinks = pgTable('sign_in_links', {
  id: text('id').primaryKey(),
  secretHash: text('secret_hash').notNull().unique(),
  createdAt: createdAt(),
  expiresAt: tsz('expires_at').notNull(),
  usedAt: tsz('used_at'),
  /** Who the session it opens is shown as ("Local admin" when null). */
  name: text('name'),
});

/** A Plex PIN sign-in in progress, bound to the browser that started it by a nonce cookie. */
export const plexSignIns = pgTable('plex_sign_ins', {
  id: text('id').primaryKey(),
  pinId: bigint('pin_id', { mode: 'number' }).notNull(),
  nonceHash: text('nonce_hash').notNull(),
  createdAt: createdAt(),
  expiresAt: tsz('expires_at').notNull(),
  completedAt: tsz('completed_at'),
});

/** Small key/value settings that belong to the deployment (e.g. the Plex client identifier). */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});
