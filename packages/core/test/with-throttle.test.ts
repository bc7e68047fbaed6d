import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type SnapshotProvider,
  withThrottle,
} from '../src/index';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A source whose revision the test moves; each fetch is logged with the fake time it started. */
function hotTopic() {
  let revision = 1;
  let handler: ((event: unknown) => void) | undefined;
  const starts: number[] = [];
  const applied: string[] = [];
  const subscriber: InvalidationSubscriber = {
    async subscribe(h) {
      handler = h;
      return () => {
        handler = undefined;
      };
    },
  };
  const provider: SnapshotProvider<number> = {
    async getSnapshot() {
      starts.push(Date.now());
      return { revision: String(revision), data: revision };
    },
  };
  const change = () => {
    revision++;
    handler?.({ topic: 'hot', revision: String(revision) });
  };
  return { subscriber, provider, starts, applied, change, last: () => String(revision) };
}

describe('withThrottle', () => {
  it('starts at most one fetch per interval and always makes the trailing one', async () => {
    const t = hotTopic();
    const sync = createRevisionSync({
      topic: 'hot',
      subscriber: t.subscriber,
      provider: withThrottle(t.provider, 100),
      applier: ({ revision }) => t.applied.push(revision),
    });
    await sync.start();
    const begin = Date.now();
    for (let i = 0; i < 100; i++) {
      t.change(); // a change every 7 ms for 700 ms
      await vi.advanceTimersByTimeAsync(7);
    }
    await vi.advanceTimersByTimeAsync(200);
    const gaps = t.starts.slice(1).map((at, i) => at - t.starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    // 700 ms of changes: the first fetch, then one per 100 ms, and not a fetch per change.
    expect(t.starts.length).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - begin) / 100));
    expect(sync.getLocalRevision()).toBe(t.last()); // the last change was not missed
    expect(t.applied.at(-1)).toBe('101');
    sync.stop();
  });

  it('does not delay a fetch when the interval has already passed', async () => {
    const t = hotTopic();
    const sync = createRevisionSync({
      topic: 'hot',
      subscriber: t.subscriber,
      provider: withThrottle(t.provider, 100),
      applier: () => {},
    });
    await sync.start();
    await vi.advanceTimersByTimeAsync(150);
    t.change();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.starts).toStrictEqual([0, 150].map((at) => at + t.starts[0]!));
    sync.stop();
  });

  it('gives up a pending wait when the engine stops, without fetching', async () => {
    const t = hotTopic();
    const sync = createRevisionSync({
      topic: 'hot',
      subscriber: t.subscriber,
      provider: withThrottle(t.provider, 100),
      applier: () => {},
    });
    await sync.start();
    t.change();
    const refresh = sync.refresh().catch((error: { code: string }) => error.code);
    await vi.advanceTimersByTimeAsync(10);
    sync.stop();
    await expect(refresh).resolves.toBe('stopped');
    await vi.advanceTimersByTimeAsync(500);
    expect(t.starts).toHaveLength(1);
  });

  it('rejects an interval that is not a finite number >= 0', () => {
    const t = hotTopic();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => withThrottle(t.provider, bad)).toThrowError(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });
});
