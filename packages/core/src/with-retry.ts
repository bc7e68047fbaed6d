// Retry is a policy, not part of the engine (seed 003, decision 4): wrap a provider to get it.
import { StateSyncError } from './errors';
import type { SnapshotContext, SnapshotEnvelope, SnapshotProvider } from './types';

export interface RetryPolicy {
  /** Total attempts including the first. Default 3. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time. Default 100 ms. */
  baseDelayMs?: number;
  /** Upper bound for one delay. Default 5000 ms. */
  maxDelayMs?: number;
  /** Fraction of each delay drawn at random (0 = none, 1 = full jitter). `true` = 0.5, the default. */
  jitter?: boolean | number;
  /** Gives up at once when aborted. The engine also passes its own signal, aborted by stop(). */
  signal?: AbortSignal;
  /** Return false to fail at once (e.g. for a 403). Default: retry every error. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  onRetry?: (info: { attempt: number; error: unknown; delayMs: number }) => void;
  /** Source of randomness for jitter, injectable for tests. Default Math.random. */
  random?: () => number;
}

export function abortError(signal: AbortSignal): unknown {
  return signal.reason instanceof StateSyncError
    ? signal.reason
    : new StateSyncError('aborted', 'snapshot fetch aborted', { cause: signal.reason });
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelay(attempt: number, policy: RetryPolicy = {}): number {
  const { baseDelayMs = 100, maxDelayMs = 5000, jitter = true, random = Math.random } = policy;
  const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  const fraction = jitter === true ? 0.5 : jitter === false ? 0 : jitter;
  return Math.round(exp * (1 - fraction * random()));
}

export function withRetry<T>(
  provider: SnapshotProvider<T>,
  policy: RetryPolicy = {},
): SnapshotProvider<T> {
  const { maxAttempts = 3, baseDelayMs = 100, maxDelayMs = 5000, jitter = true } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new StateSyncError(
      'invalid_argument',
      `maxAttempts ${maxAttempts} must be an integer >= 1`,
    );
  }
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) {
    throw new StateSyncError(
      'invalid_argument',
      `baseDelayMs ${baseDelayMs} and maxDelayMs ${maxDelayMs} must be >= 0`,
    );
  }
  if (typeof jitter === 'number' && !(jitter >= 0 && jitter <= 1)) {
    throw new StateSyncError('invalid_argument', `jitter ${jitter} must be between 0 and 1`);
  }

  return {
    async getSnapshot(context?: SnapshotContext): Promise<SnapshotEnvelope<T>> {
      const signals = [policy.signal, context?.signal].filter(
        (s): s is AbortSignal => s !== undefined,
      );
      for (let attempt = 1; ; attempt++) {
        const aborted = signals.find((s) => s.aborted);
        if (aborted) throw abortError(aborted);
        try {
          return await provider.getSnapshot(context);
        } catch (error) {
          if (attempt >= maxAttempts || policy.shouldRetry?.(error, attempt) === false) throw error;
          const delayMs = retryDelay(attempt, policy);
          policy.onRetry?.({ attempt, error, delayMs });
          await sleep(delayMs, signals);
        }
      }
    },
  };
}

/** Waits `ms`, or less if a signal aborts (the caller checks `aborted` afterwards). */
export function sleep(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Timers are looked up at call time so fake timers and other runtimes apply.
    const timer = globalThis.setTimeout(done, ms);
    const onAbort = (event: Event): void => {
      done();
      reject(abortError(event.target as AbortSignal));
    };
    for (const signal of signals) signal.addEventListener('abort', onAbort);
    function done(): void {
      globalThis.clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
      resolve();
    }
  });
}
