/**
 * @module
 * Resource ids as the worker mints them (`newId`: a prefix, `_`, base64url), so a path or body id
 * that could never exist — a NUL, a space, 5 000 characters — is a 400 before any query runs.
 */
import { z } from 'zod';

export const ResourceId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'malformed id');
export const IdParam = z.object({ id: ResourceId });
