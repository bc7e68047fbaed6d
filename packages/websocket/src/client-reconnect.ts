// When to try again after a drop: exponential backoff with jitter, one armed attempt at a time.
// The attempt count is forgotten only once a connection has stayed up for `healthyAfterMs`, so a
// server that accepts and then drops every connection still sees the delays grow.
import type { ResolvedClientOptions } from './client-options';

/** A tuple, not an object: its one caller names the parts, and the browser bundle stays small. */
export type Backoff = [
  /**
   * Arms the next attempt after the current backoff delay (`maxDelayMs` when `slowest`), unless
   * one is already armed.
   */
  schedule: (slowest?: boolean) => void,
  /** Disarms the pending attempt and the healthy check, if any. */
  cancel: () => void,
  /** True while an attempt is armed. */
  armed: () => boolean,
  /** The next delay starts again from `baseDelayMs` (the user is back: skip the wait). */
  reset: () => void,
  /** A connection was accepted: if it stays up for `healthyAfterMs`, reset. */
  connected: () => void,
];

export function createBackoff(
  { baseDelayMs, maxDelayMs, jitter, random, healthyAfterMs }: ResolvedClientOptions,
  attempt: () => void,
): Backoff {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let healthy: ReturnType<typeof setTimeout> | undefined;
  const stopHealthy = () => {
    globalThis.clearTimeout(healthy);
    healthy = undefined;
  };
  return [
    (slowest) => {
      stopHealthy();
      if (timer !== undefined) return;
      const exp = slowest ? maxDelayMs : Math.min(maxDelayMs, baseDelayMs * 2 ** failures);
      failures++;
      timer = globalThis.setTimeout(
        () => {
          timer = undefined;
          attempt();
        },
        Math.round(exp * (1 - jitter * random())),
      );
    },
    () => {
      stopHealthy();
      globalThis.clearTimeout(timer);
      timer = undefined;
    },
    () => timer !== undefined,
    () => {
      failures = 0;
    },
    () => {
      healthy ??= globalThis.setTimeout(() => {
        healthy = undefined;
        failures = 0;
      }, healthyAfterMs);
    },
  ];
}
