// @state-sync/websocket/writes: the client with typed writes. `createSyncClient({ mutators })` is
// the root entry's client plus core's optimistic queue, wired as docs/writes.md "How a transport
// wires it" says: invalidations go to `queue.observe` before any engine, snapshots with
// `lastAppliedSeq` to `queue.confirm`, every `get` carries the clientId, and after each new socket
// (every topic subscribed again) `queue.resend()` sends what the drop left unanswered. A separate
// entry so the root client's bundle does not carry the queue.
import {
  createOptimisticQueue,
  type MutateFn,
  type MutationAck,
  MutationRejected,
  type MutatorsByTopic,
  type OptimisticQueue,
} from '@state-sync/core';
import { createClientWith, type SyncClient } from './client';
import type { SyncClientOptions } from './client-options';
import { isStateSyncWebSocketError, StateSyncWebSocketError } from './errors';
import type { AckMessage } from './protocol';

export type {
  MutateFn,
  MutationAck,
  MutatorsByTopic,
  OptimisticQueue,
  PendingMutation,
} from '@state-sync/core';
export { MutationRejected } from '@state-sync/core';

export interface WritesClientOptions<M extends MutatorsByTopic> extends SyncClientOptions {
  /** Topic → its mutators (`defineMutators`), the same object the server was given. */
  mutators: M;
  /** This client's id for exactly-once writes. Default: random per client (a reload is new). */
  clientId?: string;
  /** Mutations kept until answered and shown by the state; more reject `queue_full`. Default 1,000. */
  maxPending?: number;
  /** Hold a topic's mutations until it is quiet this long (ms), then send in order. Default 0. */
  debounceMs?: number;
  /**
   * Wait before sending a mutation again after the server answered `unavailable` (a store
   * outage), `too_many_requests` or `rate_limited`, or no answer came in `requestTimeoutMs`.
   * Default 1,000 ms. A dropped connection needs no wait: the resend follows the reconnect.
   */
  retryMs?: number;
}

export interface WritesSyncClient<M extends MutatorsByTopic> extends SyncClient {
  readonly clientId: string;
  /**
   * Applies the mutator to the optimistic view at once and resolves with the server's ack once it
   * applied it, whatever the drops in between (resent with the same seq, applied once). Rejects
   * with core's `MutationRejected` (the mutator's own `code` and `message`) when refused.
   */
  mutate: MutateFn<M, MutationAck>;
  /** Core's queue: pass it as `optimistic` to syncPiniaStore / syncZustandStore. */
  readonly optimistic: OptimisticQueue<M>;
}

/**
 * Answers that say "not now": sent again after `retryMs`. Every other `error` frame answering a
 * mutate is final (`rejected: true` from a mutator, `forbidden`, `unsupported`, `too_large`…): the
 * mutation leaves the view and `mutate()` rejects with the server's code and message.
 */
const RETRY = new Set(['unavailable', 'too_many_requests', 'rate_limited']);

export function createSyncClient<M extends MutatorsByTopic>(
  options: WritesClientOptions<M>,
): WritesSyncClient<M> {
  const { mutators, maxPending, debounceMs, retryMs = 1000 } = options;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const queue: OptimisticQueue<M> = createOptimisticQueue({
    mutators,
    clientId: options.clientId,
    maxPending,
    debounceMs,
    onError(error) {
      if (isStateSyncWebSocketError(error) || error instanceof MutationRejected) return; // reported
      const message = error instanceof Error ? error.message : String(error);
      options.onError?.(
        new StateSyncWebSocketError(
          'mutation_failed',
          `a mutator threw in the optimistic view (not shown; the server decides): ${message}`,
          { cause: error },
        ),
      );
    },
    async send({ topic, name, args, clientId, seq }) {
      // Offline: held (and shown) until the next socket; sending now would only wait for it.
      if (client.status() !== 'open')
        throw new StateSyncWebSocketError('disconnected', 'offline: sent after reconnecting');
      try {
        const ack = (await request('mutate', topic, (id) => ({
          type: 'mutate',
          id,
          topic,
          name,
          args,
          clientId,
          seq,
        }))) as AckMessage;
        const { revision, epoch, lastAppliedSeq, duplicate } = ack;
        const answer = { revision, epoch, lastAppliedSeq } as MutationAck;
        return duplicate ? { ...answer, duplicate } : answer;
      } catch (error) {
        if (!isStateSyncWebSocketError(error)) throw error;
        const code = error.serverCode;
        if (code !== undefined && !RETRY.has(code))
          throw new MutationRejected(code, error.serverMessage ?? error.message);
        // No answer in time, or "not now": the same seq again later (applied once either way).
        if (code !== undefined || error.code === 'timeout') {
          globalThis.clearTimeout(retry);
          retry = globalThis.setTimeout(() => queue.resend(), retryMs);
        }
        throw error;
      }
    },
  });
  const { client, request } = createClientWith(options, {
    clientId: queue.clientId,
    invalidate: (message) => queue.observe(message),
    snapshot(message) {
      if (message.lastAppliedSeq !== undefined)
        queue.confirm(message.topic, message.lastAppliedSeq, message.revision, message.epoch);
    },
    ready: () => queue.resend(),
  });
  const close = client.close;
  return Object.assign(client, {
    clientId: queue.clientId,
    mutate: queue.mutate,
    optimistic: queue,
    close() {
      globalThis.clearTimeout(retry);
      queue.stop();
      return close();
    },
  });
}
