import { describe, expect, it } from 'vitest';
import { DeadlineExceeded, withDeadline } from './cache-load';

describe('withDeadline', () => {
  it('passes a result that comes in time through', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
  });
  it('passes the work’s own failure through', async () => {
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });
  it('rejects with DeadlineExceeded, naming the work, when the work hangs', async () => {
    const hung = new Promise<number>(() => undefined);
    const err = await withDeadline(hung, 20, 'loading webhook secrets').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceeded);
    expect((err as Error).message).toBe('loading webhook secrets took longer than 20 ms');
  });
});
