import { describe, expect, it } from 'vitest';
import { createMemoryLocks } from '../src/index';
import { deferred } from './helpers';

describe('createMemoryLocks', () => {
  it('grants one holder at a time, first come first served, until its callback settles', async () => {
    const locks = createMemoryLocks();
    const log: string[] = [];
    const first = deferred();
    const a = locks.request('host', {}, async () => {
      log.push('a');
      await first.promise;
      log.push('a done');
    });
    const b = locks.request('host', {}, () => log.push('b'));
    const c = locks.request('host', {}, () => log.push('c'));
    const other = locks.request('other', {}, () => log.push('other'));
    await other;
    expect(log).toEqual(['a', 'other']);
    first.resolve();
    await Promise.all([a, b, c]);
    expect(log).toEqual(['a', 'other', 'a done', 'b', 'c']);
  });

  it('releases the lock when the callback throws, and rejects with its error', async () => {
    const locks = createMemoryLocks();
    await expect(
      locks.request('host', {}, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await expect(locks.request('host', {}, () => 'next')).resolves.toBe('next');
  });

  it('an aborted waiting request leaves the queue and rejects with the abort reason', async () => {
    const locks = createMemoryLocks();
    const hold = deferred();
    const holder = locks.request('host', {}, () => hold.promise);
    const controller = new AbortController();
    const log: string[] = [];
    const waiting = locks.request('host', { signal: controller.signal }, () =>
      log.push('aborted one ran'),
    );
    const after = locks.request('host', {}, () => log.push('after'));
    controller.abort(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    hold.resolve();
    await Promise.all([holder, after]);
    expect(log).toEqual(['after']);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(
      createMemoryLocks().request('host', { signal: controller.signal }, () => 1),
    ).rejects.toThrow('gone');
  });
});
