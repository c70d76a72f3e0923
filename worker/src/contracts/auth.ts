/**
 * @module
 * Admin sign-in contracts: token sign-in, Plex PIN sign-in and the current principal.
 */
import { z } from 'zod';

export const TokenSignInRequest = z.object({
  token: z.string().min(1).max(200),
});

export const PlexPinStartResponse = z.object({
  pinId: z.number().int(),
  code: z.string(),
  authUrl: z.string(),
  expiresAt: z.string(),
});
export type PlexPinStartResponse = z.infer<typeof PlexPinStartResponse>;

export const PlexPinCheckRequest = z.object({
  pinId: z.number().int().positive(),
});

export const Principal = z.object({
  kind: z.enum(['token', 'session']),
  /** "token:<name>" or "plex:<accountId>" */
  id: z.string(),
  name: z.string(),
  via: z.enum(['admin-token', 'plex', 'sign-in-link']),
  /** The session the request came with (absent for bearer-token requests). */
  sessionId: z.string().optional(),
});
export type Principal = z.infer<typeof Principal>;

/** A live admin session, as `GET /api/sessions` lists it. Never carries the secret or its hash. */
export const SessionInfo = z.object({
  id: z.string(),
  /** Who: "token:<tokenId>", "plex:<accountId>" or "link:local". */
  principalId: z.string(),
  principalName: z.string(),
  via: z.enum(['admin-token', 'plex', 'sign-in-link']),
  createdAt: z.string(),
  /** Refreshed at most hourly. */
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  /** The session making this request. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
export const SessionList = z.object({ items: z.array(SessionInfo) });
export type SessionList = z.infer<typeof SessionList>;
