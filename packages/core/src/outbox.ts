// The optimistic queue's sending half: mutations in local order, one in flight at a time (so the
// server can report the outcome of any resend exactly), resent after a drop, optionally debounced.

import type { MutationAck } from './mutation-handler';
import { MutationRejected } from './mutators';
import type { Revision } from './revision';

export interface OutboxOptions {
  /** Mutations kept until the server answered and the state includes them. Default 1,000. */
  maxPending?: number;
  /**
   * Hold a topic's mutations until it has been quiet this long (ms), then send them in order
   * (seed 004's 100 ms). Default 0: sent at once. The view updates at once either way.
   */
  debounceMs?: number;
  /** Timers, looked up on globalThis by default (so fake timers and other runtimes work). */
  timers?: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  };
}

export interface OutboxEntry {
  topic: string;
  name: string;
  /** As the app passed them: what is sent. */
  args: unknown;
  /** As the schema parsed them: what the local view applies. */
  local: unknown;
  seq?: number;
  acked: boolean;
  rejected: boolean;
  /** Answered by the server (ack or refusal). */
  settled: boolean;
  /** The state of its topic at this revision (or later) includes it. */
  includedAt?: { revision: Revision; epoch?: string };
  ready: boolean;
  attempt: number;
  resolve(ack: MutationAck): void;
  reject(error: unknown): void;
}

interface OutboxHooks {
  send(entry: OutboxEntry, seq: number): Promise<MutationAck>;
  settled(entry: OutboxEntry): void;
  onError(error: unknown): void;
}

export interface Outbox {
  add(topic: string, name: string, args: unknown, local: unknown): Promise<MutationAck>;
  entries(): readonly OutboxEntry[];
  markIncluded(topic: string, seq: number, at: { revision: Revision; epoch?: string }): void;
  /** Forgets answered entries that `done` says the view no longer needs (and every refused one). */
  prune(done: (entry: OutboxEntry) => boolean): void;
  resend(): void;
  stop(): void;
}

export function createOutbox(options: OutboxOptions, hooks: OutboxHooks): Outbox {
  const maxPending = options.maxPending ?? 1000;
  const debounceMs = options.debounceMs ?? 0;
  const timers = options.timers ?? {
    setTimeout: (callback: () => void, ms: number) => globalThis.setTimeout(callback, ms),
    clearTimeout: (handle: unknown) =>
      globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  let entries: OutboxEntry[] = [];
  const debouncing = new Map<string, unknown>();
  let lastSeq = 0;
  let inFlight: OutboxEntry | undefined;
  let blocked = false;
  let stopped = false;

  function pump(): void {
    if (stopped || inFlight || blocked) return;
    const next = entries.find((entry) => entry.seq === undefined && !entry.settled);
    if (!next?.ready) return;
    next.seq = ++lastSeq;
    inFlight = next;
    dispatch(next);
  }

  function dispatch(entry: OutboxEntry): void {
    const attempt = ++entry.attempt;
    Promise.resolve()
      .then(() => {
        // Deferred a microtask so a throwing `send` is a rejection; stop() may come in between.
        if (stopped) throw new MutationRejected('stopped', 'the queue was stopped');
        return hooks.send(entry, entry.seq as number);
      })
      .then(
        (ack) =>
          answer(entry, () => {
            entry.acked = true;
            entry.includedAt ??= { revision: ack.revision, epoch: ack.epoch };
            entry.resolve(ack);
          }),
        (error) => {
          if (error instanceof MutationRejected) {
            answer(entry, () => {
              entry.rejected = true;
              entry.reject(error);
            });
          } else if (attempt === entry.attempt && !entry.settled && !stopped) {
            // The link failed: whether the server applied it is unknown until it is resent.
            blocked = true;
            hooks.onError(error);
          }
        },
      );
  }

  function answer(entry: OutboxEntry, settle: () => void): void {
    // Any answer to a (re)send of the same seq is the answer: the server applies a seq once.
    if (entry.settled || stopped) return;
    entry.settled = true;
    settle();
    if (inFlight === entry) {
      inFlight = undefined;
      blocked = false;
    }
    hooks.settled(entry);
    pump();
  }

  return {
    add(topic, name, args, local) {
      if (stopped) return Promise.reject(new MutationRejected('stopped', 'the queue was stopped'));
      if (entries.length >= maxPending) {
        return Promise.reject(
          new MutationRejected(
            'queue_full',
            `${maxPending} mutations are already pending (maxPending): wait for them or raise the bound`,
          ),
        );
      }
      let resolve!: (ack: MutationAck) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<MutationAck>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const entry: OutboxEntry = {
        topic,
        name,
        args,
        local,
        acked: false,
        rejected: false,
        settled: false,
        ready: debounceMs === 0,
        attempt: 0,
        resolve,
        reject,
      };
      entries.push(entry);
      if (debounceMs > 0) {
        timers.clearTimeout(debouncing.get(topic));
        debouncing.set(
          topic,
          timers.setTimeout(() => {
            debouncing.delete(topic);
            for (const each of entries) if (each.topic === topic) each.ready = true;
            pump();
          }, debounceMs),
        );
      }
      pump();
      return promise;
    },
    entries: () => entries,
    markIncluded(topic, seq, at) {
      for (const entry of entries) {
        if (entry.topic === topic && entry.seq !== undefined && entry.seq <= seq)
          entry.includedAt ??= at;
      }
    },
    prune(done) {
      entries = entries.filter((entry) => !(entry.settled && (entry.rejected || done(entry))));
    },
    resend() {
      if (stopped) return;
      blocked = false;
      if (inFlight) dispatch(inFlight);
      else pump();
    },
    stop() {
      stopped = true;
      for (const handle of debouncing.values()) timers.clearTimeout(handle);
      debouncing.clear();
      const unanswered = entries.filter((entry) => !entry.settled);
      entries = [];
      for (const entry of unanswered)
        entry.reject(new MutationRejected('stopped', 'the queue was stopped before an answer'));
    },
  };
}
