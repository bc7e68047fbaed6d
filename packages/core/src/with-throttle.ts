// Throttling is a policy around the provider, like retry. The engine already keeps one fetch queued
// behind the one in flight, so delaying the start of each fetch caps the rate, and the queued fetch
// is the guaranteed trailing one: the last change is never missed.
import { StateSyncError } from './errors';
import type { SnapshotContext, SnapshotProvider } from './types';
import { abortError, sleep } from './with-retry';

/**
 * At most one `getSnapshot` of `provider` starts per `intervalMs`; a fetch asked for sooner waits
 * for the rest of the interval (cancelled by the engine's stop()). Use one wrapper per engine.
 */
export function withThrottle<T>(
  provider: SnapshotProvider<T>,
  intervalMs: number,
): SnapshotProvider<T> {
  if (!(intervalMs >= 0 && intervalMs < Infinity)) {
    throw new StateSyncError(
      'invalid_argument',
      `intervalMs ${intervalMs} must be a finite number >= 0`,
    );
  }
  let last = Number.NEGATIVE_INFINITY;
  return {
    async getSnapshot(context?: SnapshotContext) {
      const wait = last + intervalMs - Date.now();
      const signal = context?.signal;
      if (wait > 0) await sleep(wait, signal ? [signal] : []);
      if (signal?.aborted) throw abortError(signal);
      last = Date.now();
      return provider.getSnapshot(context);
    },
  };
}
