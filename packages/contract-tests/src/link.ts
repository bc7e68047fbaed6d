// A controllable link between a transport's client end and the engine: in `pass` mode it forwards
// everything; in `manual` mode it buffers invalidations and holds snapshot replies so a test can
// drop, duplicate, reorder and delay them. This is how one suite injects faults into any transport.
import type { InvalidationSubscriber, SnapshotEnvelope, SnapshotProvider } from '@state-sync/core';

export interface Link<T> {
  readonly subscriber: InvalidationSubscriber;
  readonly provider: SnapshotProvider<T>;
  mode: 'pass' | 'manual';
  /** Hold every snapshot reply until release() or flush(). */
  holdFetches: boolean;
  /** Invalidations received in manual mode and not yet delivered or dropped. */
  readonly pending: unknown[];
  /** Fetches whose reply is held (manual mode), oldest first. */
  readonly held: Array<() => void>;
  /** Calls made to getSnapshot through this link. */
  fetchCount(): number;
  /** Payloads seen from the transport, whatever the mode. */
  receivedCount(): number;
  /** The last payload seen from the transport. */
  lastReceived(): unknown;
  /** Whether the last payload seen from the transport has been handed to the engine. */
  lastDelivered(): boolean;
  /** Hands a payload straight to the engine's handler (no-op when not subscribed). */
  inject(payload: unknown): void;
  deliver(index: number, keep?: boolean): void;
  drop(index: number): void;
  release(): void;
  /** Faults stop: pass mode, no holds, no injected failures; delivers what is pending, in order. */
  flush(): void;
  /** Replace the next snapshot replies by these values (stale or garbage envelopes). */
  replaceNextSnapshots(...values: unknown[]): void;
  /** Make the next snapshot fetches fail (after the real call, so the transport still does the work). */
  failNextFetches(count: number): void;
  /** Make subscribe() fail this many times before it works again. */
  failNextSubscribes(count: number, error?: unknown): void;
  /** Delay subscribe()'s resolution until the returned function is called. */
  holdNextSubscribe(): () => void;
  isSubscribed(): boolean;
}

export function createLink<T>(inner: {
  subscriber: InvalidationSubscriber;
  provider: SnapshotProvider<T>;
}): Link<T> {
  let handler: ((event: unknown) => void) | undefined;
  let fetches = 0;
  let received = 0;
  let last: unknown;
  let lastDelivered = true;
  const handOver = (event: unknown): void => {
    if (event === last) lastDelivered = true;
    handler?.(event);
  };
  let subscribeFailures = 0;
  let subscribeError: unknown;
  let subscribeGate: Promise<void> | undefined;
  const replacements: unknown[] = [];
  let fetchFailures = 0;

  const link: Link<T> = {
    mode: 'pass',
    holdFetches: false,
    pending: [],
    held: [],
    subscriber: {
      async subscribe(h) {
        if (subscribeFailures > 0) {
          subscribeFailures--;
          throw subscribeError ?? new Error('subscribe refused by the contract suite');
        }
        const gate = subscribeGate;
        subscribeGate = undefined;
        handler = h;
        let unsubscribe: () => void;
        try {
          unsubscribe = await inner.subscriber.subscribe((event) => {
            received++;
            last = event;
            lastDelivered = false;
            if (link.mode === 'pass') handOver(event);
            else link.pending.push(event);
          });
        } catch (error) {
          handler = undefined;
          throw error;
        }
        if (gate) await gate;
        return () => {
          handler = undefined;
          unsubscribe();
        };
      },
    },
    provider: {
      async getSnapshot(context) {
        fetches++;
        const reply = inner.provider.getSnapshot(context);
        if (link.holdFetches) {
          await reply.catch(() => {});
          // flush() may have come while the reply was on its way: then nothing holds it any more.
          if (link.holdFetches) await new Promise<void>((resolve) => link.held.push(resolve));
        }
        if (fetchFailures > 0) {
          fetchFailures--;
          // A failed fetch loses news like a dropped invalidation does (the core does not retry).
          lastDelivered = false;
          await reply.catch(() => {});
          throw new Error('snapshot fetch failed by the contract suite');
        }
        if (replacements.length > 0) {
          await reply.catch(() => {});
          return replacements.shift() as SnapshotEnvelope<T>;
        }
        return reply;
      },
    },
    fetchCount: () => fetches,
    receivedCount: () => received,
    lastReceived: () => last,
    lastDelivered: () => lastDelivered,
    inject(payload) {
      handler?.(payload);
    },
    deliver(index, keep = false) {
      if (link.pending.length === 0) return;
      const i = index % link.pending.length;
      const event = link.pending[i];
      if (!keep) link.pending.splice(i, 1);
      handOver(event);
    },
    drop(index) {
      if (link.pending.length > 0) link.pending.splice(index % link.pending.length, 1);
    },
    release() {
      link.held.shift()?.();
    },
    flush() {
      link.mode = 'pass';
      link.holdFetches = false;
      fetchFailures = 0;
      for (const event of link.pending.splice(0)) handOver(event);
      for (const release of link.held.splice(0)) release();
    },
    replaceNextSnapshots(...values) {
      replacements.push(...values);
    },
    failNextFetches(count) {
      fetchFailures += count;
    },
    failNextSubscribes(count, error) {
      subscribeFailures = count;
      subscribeError = error;
    },
    holdNextSubscribe() {
      let open!: () => void;
      subscribeGate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return open;
    },
    isSubscribed: () => handler !== undefined,
  };
  return link;
}
