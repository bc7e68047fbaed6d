// The pass scheduler on its own (no Redis): coalescing and retry with backoff, on fake timers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAntiEntropy } from '../src/anti-entropy';

describe('anti-entropy scheduling', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs one more pass, not one per trigger, when triggered during a pass', async () => {
    const log: string[] = [];
    let release: (() => void) | undefined;
    const scheduler = createAntiEntropy({
      async pass() {
        log.push('pass');
        if (log.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      onFailure: () => log.push('failure'),
      maxDelayMs: 1_000,
    });
    scheduler.trigger();
    scheduler.trigger();
    scheduler.trigger();
    release?.();
    await scheduler.idle();
    expect(log).toStrictEqual(['pass', 'pass']);
  });

  it('retries a failed pass with growing delays until one completes', async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    let failures = 3;
    const scheduler = createAntiEntropy({
      async pass() {
        log.push('pass');
        if (failures-- > 0) throw new Error('Redis away');
      },
      onFailure: () => log.push('failure'),
      maxDelayMs: 1_000,
    });
    scheduler.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toStrictEqual(['pass', 'failure']);
    await vi.advanceTimersByTimeAsync(199);
    expect(log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 200 ms after the first failure
    expect(log).toStrictEqual(['pass', 'failure', 'pass', 'failure']);
    await vi.advanceTimersByTimeAsync(400); // then 400 ms
    expect(log).toHaveLength(6);
    await vi.advanceTimersByTimeAsync(800); // then 800 ms: this one completes
    expect(log).toStrictEqual(['pass', 'failure', 'pass', 'failure', 'pass', 'failure', 'pass']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log).toHaveLength(7);
  });

  it('schedules nothing after stop()', async () => {
    vi.useFakeTimers();
    const pass = vi.fn(async () => {
      throw new Error('Redis away');
    });
    const scheduler = createAntiEntropy({ pass, onFailure: () => {}, maxDelayMs: 1_000 });
    scheduler.trigger();
    await vi.advanceTimersByTimeAsync(0);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    scheduler.trigger();
    expect(pass).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
