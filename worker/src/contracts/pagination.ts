/**
 * @module
 * Cursor pagination shared by every list endpoint: `?limit=&cursor=` → `{ items, nextCursor }`.
 * Cursors are opaque to clients (base64url); `nextCursor` is null on the last page.
 */
import { z } from 'zod';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
