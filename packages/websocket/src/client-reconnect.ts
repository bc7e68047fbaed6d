// When to try again after a drop: exponential backoff with jitter, one armed attempt at a time.
import type { ResolvedClientOptions } from './client-options';

/** A tuple, not an object: its one caller names the parts, and the browser bundle stays small. */
export type Backoff = [
  /** Arms the next attempt after the current backoff delay, unless one is already armed. */
  schedule: () => void,
  /** Disarms the pending attempt, if any. */
  cancel: () => void,
  /** True while an attempt is armed. */
  armed: () => boolean,
  /** The next delay starts again from `baseDelayMs`. */
  reset: () => void,
];

export function createBackoff(
  { baseDelayMs, maxDelayMs, jitter, random }: ResolvedClientOptions,
  attempt: () => void,
): Backoff {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return [
    () => {
      if (timer !== undefined) return;
      const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** failures);
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
      globalThis.clearTimeout(timer);
      timer = undefined;
    },
    () => timer !== undefined,
    () => {
      failures = 0;
    },
  ];
}
