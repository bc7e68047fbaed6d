import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SnapshotProvider } from '../src/index';
import { createRevisionSync, retryDelay, withRetry } from '../src/index';

type N = { n: number };

function flaky(failures: number) {
  let calls = 0;
  const provider: SnapshotProvider<N> = {
    async getSnapshot() {
      calls++;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return { revision: '1', data: { n: 1 } };
    },
  };
  return { provider, calls: () => calls };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withRetry', () => {
  it('retries with exponential backoff and succeeds', async () => {
    const { provider, calls } = flaky(2);
    const delays: number[] = [];
    const retrying = withRetry(provider, {
      maxAttempts: 3,
      baseDelayMs: 100,
      jitter: false,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    const result = retrying.getSnapshot();
    await vi.advanceTimersByTimeAsync(99);
    expect(calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    await expect(result).resolves.toEqual({ revision: '1', data: { n: 1 } });
    expect(delays).toStrictEqual([100, 200]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { provider, calls } = flaky(10);
    const result = withRetry(provider, {
      maxAttempts: 3,
      baseDelayMs: 10,
      jitter: false,
    }).getSnapshot();
    const assertion = expect(result).rejects.toThrow('failure 3');
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
    expect(calls()).toBe(3);
  });

  it('fails at once when shouldRetry says so', async () => {
    const { provider, calls } = flaky(10);
    const result = withRetry(provider, { shouldRetry: () => false }).getSnapshot();
    await expect(result).rejects.toThrow('failure 1');
    expect(calls()).toBe(1);
  });

  it('caps each delay at maxDelayMs and spreads it with jitter', () => {
    expect(retryDelay(10, { baseDelayMs: 100, maxDelayMs: 1000, jitter: false })).toBe(1000);
    expect(retryDelay(1, { baseDelayMs: 100, jitter: 1, random: () => 0.25 })).toBe(75);
    expect(retryDelay(2, { baseDelayMs: 100, jitter: true, random: () => 1 })).toBe(100);
  });

  it('stops waiting as soon as its signal aborts', async () => {
    const { provider, calls } = flaky(10);
    const controller = new AbortController();
    const result = withRetry(provider, {
      baseDelayMs: 10_000,
      signal: controller.signal,
    }).getSnapshot();
    const assertion = expect(result).rejects.toMatchObject({ code: 'aborted' });
    await vi.advanceTimersByTimeAsync(1);
    controller.abort();
    await assertion;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is cancelled by the engine stop(): no attempt after it, nothing applied', async () => {
    const { provider, calls } = flaky(10);
    const applied: unknown[] = [];
    const sync = createRevisionSync<N>({
      topic: 't',
      subscriber: { subscribe: async () => () => {} },
      provider: withRetry(provider, { maxAttempts: 5, baseDelayMs: 1000 }),
      applier: (envelope) => {
        applied.push(envelope);
      },
    });
    const start = sync.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(calls()).toBe(1);
    sync.stop();
    await start;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls()).toBe(1);
    expect(applied).toStrictEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [{ maxAttempts: 0 }],
    [{ maxAttempts: 1.5 }],
    [{ baseDelayMs: -1 }],
    [{ maxDelayMs: Number.NaN }],
    [{ jitter: 2 }],
  ])('rejects the policy %j with invalid_argument', (policy) => {
    expect(() => withRetry(flaky(0).provider, policy)).toThrowError(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});
