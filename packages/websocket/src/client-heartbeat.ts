// The dead-connection timer: a socket that is silent for its window (connectTimeoutMs before
// `hello`, 2 × heartbeatMs after) is declared dead.
const MAX_TIMER_MS = 2_147_483_647;

/** A tuple, not an object: its one caller names the parts, and the browser bundle stays small. */
export type DeadTimer = [
  /** From now on the socket is dead once silent for `windowMs` after `lastLife()`. */
  arm: (windowMs: number) => void,
  stop: () => void,
];

/**
 * `lastLife` answers when the socket last proved alive (its last frame, or when it was opened).
 * A frame only updates that time: the timer reads it when it fires and waits again if the socket
 * spoke meanwhile, so a busy socket touches no timer (and nothing of this closure) per frame.
 */
export function createDeadTimer(
  onDead: (windowMs: number) => void,
  lastLife: () => number,
): DeadTimer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let window = 0;
  let firesAt = 0;

  function schedule(ms: number): void {
    firesAt = Date.now() + ms;
    timer = globalThis.setTimeout(check, ms);
  }

  function check(): void {
    timer = undefined;
    const left = lastLife() + window - Date.now();
    if (left > 0) schedule(left);
    else onDead(window);
  }

  return [
    (windowMs) => {
      window = Math.min(windowMs, MAX_TIMER_MS); // longer delays overflow setTimeout and fire at once
      const deadline = lastLife() + window;
      if (timer !== undefined && firesAt <= deadline) return;
      globalThis.clearTimeout(timer);
      schedule(Math.max(0, deadline - Date.now()));
    },
    () => {
      globalThis.clearTimeout(timer);
      timer = undefined;
    },
  ];
}
