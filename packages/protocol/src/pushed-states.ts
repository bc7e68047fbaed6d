// Pushed state on a client, for every network transport: the newest deltas or inline states that
// `invalidate` frames carried, per topic, and the provider that answers an engine from them. A
// delta is applied only to the state the engine applied last, and only when that state is exactly
// at the delta's base (same epoch, revision === baseRevision); inline state only when newer.
// Anything else pulls with `since`, which the server may answer with one delta from its log (the
// same base rule holds). The transport supplies the pull and turns refusals into its own errors.
// The answer from pushed state is computed synchronously (an async schema is the one exception)
// and returned as is, not in a promise: the engine applies it within the frame's own task.
import {
  isThenable,
  type PullState,
  type PushedProvider,
  type PushedSlot,
  TopicProvider,
  type ValidateState,
} from './pushed-provider';

export type { PullState, PushedProvider, PushedSlot, ValidateState } from './pushed-provider';

/** What an `invalidate` may carry (its other fields do not matter here). */
export type PushedMessage = {
  topic: string;
  revision: string;
  epoch: string;
  delta?: { baseRevision: string; ops: readonly unknown[] } | undefined;
  data?: unknown;
};

/** A pull's answer: the state (`data`), or, for a pull with `since`, a delta from there. */
export type PulledState = {
  revision: string;
  epoch: string;
  data?: unknown;
  delta?: { baseRevision: string; ops: readonly unknown[] } | undefined;
};

/** Counters the transport keeps in its own metrics. */
export interface PushMetrics {
  /** Snapshots answered from pushed state with no pull. */
  pushed: number;
  /** Deltas applied (pushed or pulled), each exactly on its base. */
  deltas: number;
  /** Deltas that could not be used (wrong base, failed to apply, rejected by the schema). */
  deltaFallbacks: number;
}

export interface PushedStatesOptions {
  metrics: PushMetrics;
  /** A delta that does not apply or whose result fails the schema: report it (the engine pulls). */
  reject(topic: string, message: string, cause: unknown): void;
  /** Pushed changes kept per topic while its engine is busy. Default 32. */
  maxPerTopic?: number;
}

/**
 * A Standard Schema (the engine's `schema` option) as a `ValidateState`, or undefined without one.
 * Synchronous when the schema is (the usual case): no promise hop before the apply.
 */
export function validateBySchema(schema: unknown): ValidateState | undefined {
  if (!schema) return undefined;
  const standard = (schema as { '~standard': { validate(value: unknown): unknown } })['~standard'];
  const valid = (result: unknown) => (result as { issues?: unknown }).issues === undefined;
  return (value) => {
    // Any thenable, as everywhere else here: one that is not a Promise has no `issues` of its own.
    const result = standard.validate(value);
    return isThenable(result) ? Promise.resolve(result).then(valid) : valid(result);
  };
}

/**
 * `remember` into a slot the transport looked up itself (`slotOf`). A plain function, not a
 * method of the pushed states: a frame then touches the slot alone, not a closure and its scope
 * per client (with 1,000 clients in a process, each one a cache miss).
 */
export function keepPushed(slot: PushedSlot, message: PushedMessage): void {
  if (message.delta === undefined && !('data' in message)) return;
  const list = slot.list;
  if (!list) {
    slot.list = [message];
    return;
  }
  if (list.some((e) => e.epoch === message.epoch && e.revision === message.revision)) return;
  list.push(message);
  if (list.length > slot.max) list.shift();
}

export interface PushedStates {
  /**
   * Keeps what `message` carried (its delta or inline data), after older pushed state. The
   * message is kept as is, not copied: pass a fresh one (a frame just parsed) and do not change it.
   */
  remember(message: PushedMessage): void;
  /**
   * The slot the providers of `topic` read (made now if none is). A transport that routes frames
   * by topic itself keeps it in its own route and hands it to `keepPushed`: one lookup per frame.
   */
  slotOf(topic: string): PushedSlot;
  forget(topic: string): void;
  /** Forgets every topic (the link dropped: what comes next starts from a pull or a resume). */
  clear(): void;
  /**
   * A provider answering the engine of `topic` from pushed state, else by pulling `since`. Set
   * its `handle` to that engine once it is made: a delta applies only to what it applied last.
   */
  provider<T>(
    topic: string,
    pull: PullState,
    validate: ValidateState | undefined,
  ): PushedProvider<T>;
}

export function createPushedStates(options: PushedStatesOptions): PushedStates {
  const maxPerTopic = options.maxPerTopic ?? 32;
  // One slot per topic with a provider, made with the first provider and kept (a small object
  // per topic this client syncs): a provider holds its slot, so a frame's answer reads no Map,
  // and the slot is emptied, never replaced. A topic no provider answers keeps nothing.
  const slots = new Map<string, PushedSlot>();

  function slotOf(topic: string): PushedSlot {
    let slot = slots.get(topic);
    if (!slot) {
      slot = { list: undefined, max: maxPerTopic };
      slots.set(topic, slot);
    }
    return slot;
  }

  return {
    remember(message) {
      const slot = slots.get(message.topic);
      if (slot) keepPushed(slot, message);
    },
    slotOf,
    forget(topic) {
      const slot = slots.get(topic);
      if (slot) slot.list = undefined;
    },
    clear() {
      for (const slot of slots.values()) slot.list = undefined;
    },
    provider(topic, pull, validate) {
      return new TopicProvider(topic, slotOf(topic), options, pull, validate);
    },
  };
}
