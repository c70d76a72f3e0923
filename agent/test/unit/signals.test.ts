import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { StopSignals } from '../../src/signals';

describe('stop signals', () => {
  it('escalates: graceful, then cancel, then exit 1', () => {
    const lines: string[] = [];
    const exits: number[] = [];
    const source = new EventEmitter();
    const s = new StopSignals(createLogger('info', (l) => lines.push(l)), (c) => exits.push(c), source).install();
    source.emit('SIGTERM');
    expect(s.graceful.signal.aborted).toBe(true);
    expect(s.hard.signal.aborted).toBe(false);
    source.emit('SIGINT');
    expect(s.hard.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    source.emit('SIGTERM');
    expect(exits).toEqual([1]);
    expect(lines.join('\n')).toMatch(/finishing the current step[\s\S]*cancelling the running step[\s\S]*exiting now/);
    s.uninstall();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});
