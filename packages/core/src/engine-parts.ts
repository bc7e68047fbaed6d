// The small values the engine (engine.ts) is made of: its phases, the context a provider gets,
// its listener lists, the promise refresh() calls wait on, and its counters. No engine state here:
// the engine's fields stay private to its class.
import type { RefreshReason, SnapshotContext, SyncMetrics } from './types';

// Phases, ordered so that `>= STARTING` means "subscribed or subscribing".
export const IDLE = 0;
export const STOPPED = 1;
export const STARTING = 2;
export const RUNNING = 3;

export const noop = () => {};
/** Two known epochs that are not the same: a new epoch, whatever the revisions say. */
export const differ = (a?: string, b?: string) => a !== undefined && b !== undefined && a !== b;
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

// Listener lists are copy-on-write: emitting iterates the array it finds (no copy per emit), and
// adding or removing a listener replaces the array, so one removed or added during an emit does
// not change who that emit calls. A listener is held once, however often it is added.
export const added = <L>(list: L[] = [], listener: L) =>
  list.includes(listener) ? list : [...list, listener];
export const removed = <L>(list: L[] | undefined, listener: L) =>
  list?.filter((l) => l !== listener);

/** What refresh() calls wait on: one promise for all calls a fetch serves, with its settlers. */
export type Waiters = [
  promise: Promise<void>,
  resolve: () => void,
  reject: (error: unknown) => void,
];

export function createWaiters(): Waiters {
  const waiters = [] as unknown as Waiters;
  waiters[0] = new Promise<void>((resolve, reject) => {
    waiters[1] = resolve;
    waiters[2] = reject;
  });
  return waiters;
}

/** What getSnapshot receives. `signal` is read lazily: an AbortSignal costs more than the rest
 * of a handle, and most providers never look at it. */
export class Context implements SnapshotContext {
  declare readonly reason: RefreshReason;
  readonly #controller: AbortController;
  constructor(reason: RefreshReason, controller: AbortController) {
    this.reason = reason;
    this.#controller = controller;
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
}

export const createMetrics = (): SyncMetrics => ({
  events: 0,
  ignored: 0,
  fetches: 0,
  applied: 0,
  stale: 0,
  subscribeErrors: 0,
  getSnapshotErrors: 0,
  protocolErrors: 0,
  applyErrors: 0,
  refreshErrors: 0,
});
