// The dead-connection timer: a socket that is silent for its window (connectTimeoutMs before
// `hello`, 2 × heartbeatMs after) is declared dead.
const MAX_TIMER_MS = 2_147_483_647;

/** A tuple, not an object: its one caller names the parts, and the browser bundle stays small. */
export type DeadTimer = [
  /** Any frame proves life: the socket now has `windowMs` before it is declared dead. */
  arm: (windowMs: number, now?: number) => void,
  stop: () => void,
];

export function createDeadTimer(onDead: (windowMs: number) => void): DeadTimer {
  // Moving a deadline is a field write; the timer is re-armed only when it fires early or must
  // fire sooner, so a busy socket does not clear and set a timer on every frame.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline = 0;
  let window = 0;
  let firesAt = 0;

  function schedule(ms: number): void {
    firesAt = Date.now() + ms;
    timer = globalThis.setTimeout(check, ms);
  }

  function check(): void {
    timer = undefined;
    const left = deadline - Date.now();
    if (left > 0) schedule(left);
    else onDead(window);
  }

  return [
    (windowMs, now = Date.now()) => {
      const ms = Math.min(windowMs, MAX_TIMER_MS); // longer delays overflow setTimeout and fire at once
      window = ms;
      deadline = now + ms;
      if (timer !== undefined && firesAt <= deadline) return;
      globalThis.clearTimeout(timer);
      schedule(ms);
    },
    () => {
      globalThis.clearTimeout(timer);
      timer = undefined;
    },
  ];
}
