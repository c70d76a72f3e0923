/**
 * @module
 * `GET /api/posters?tmdb=<tv|movie>:<id>&plex=<server uuid or _>:<rating key>` — a poster image
 * from the first source that has one. API answers carry ready-made `posterUrl`s; the admin never
 * builds these itself.
 */
import { z } from 'zod';

export const PosterQuery = z
  .object({
    tmdb: z.string().regex(/^(tv|movie):\d{1,12}$/, 'must be tv:<id> or movie:<id>').optional(),
    plex: z.string().regex(/^[A-Za-z0-9-]{1,64}:[A-Za-z0-9_-]{1,40}$/, 'must be <server uuid or _>:<rating key>').optional(),
  })
  .refine((q) => q.tmdb !== undefined || q.plex !== undefined, 'give tmdb=<tv|movie>:<id> or plex=<server>:<rating key>');
