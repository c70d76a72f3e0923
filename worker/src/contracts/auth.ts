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
});
export type Principal = z.infer<typeof Principal>;
