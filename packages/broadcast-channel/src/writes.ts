// The typed write path of a tab or worker (docs/writes.md): core's optimistic queue sending over
// this transport's `sendMutation`, fed the invalidations' mutation marks, the snapshots'
// `lastAppliedSeq` and host changes (after which an unanswered mutation is resent, same seq).
import {
  createOptimisticQueue,
  type MutateFn,
  type MutationAck,
  MutationRejected,
  type MutatorsByTopic,
  type OptimisticQueue,
  type OutboxOptions,
  randomId,
} from '@state-sync/core';
import { createBroadcastChannelClient } from './client';
import type {
  BroadcastChannelClient,
  BroadcastChannelClientOptions,
  ClientWriteHooks,
} from './client-api';
import { BroadcastChannelError } from './errors';

/** The write options of `createBroadcastChannelWriteClient` and `createTabSync`. */
export interface WriteOptions<M extends MutatorsByTopic> extends OutboxOptions {
  /** Topic → its mutators (`defineMutators`), the same object the host tab applies. */
  mutators: M;
  /** This client's id in `(clientId, seq)`. Default: the client's id (a reload is a new client). */
  clientId?: string;
  /**
   * Wait before sending a mutation again, same seq, when the host did not refuse it but did not
   * apply it either: no answer within `timeoutMs`, its store failed, or it was busy
   * (`maxMutationsInFlight`). Default 1,000 ms. A new host gets it at once.
   */
  retryMs?: number;
}

export interface ClientWrites<M extends MutatorsByTopic> {
  queue: OptimisticQueue<M>;
  hooks: ClientWriteHooks;
  /** Connects the queue to the client that sends its mutations. */
  bind(client: Pick<BroadcastChannelClient, 'sendMutation'>): void;
  /** Stops the queue and its retry timer. */
  stop(): void;
}

/** The queue and the client's hooks, before the client exists (they need each other). */
export function createClientWrites<M extends MutatorsByTopic>(
  options: WriteOptions<M>,
  clientId: string,
  onError: (error: unknown) => void,
): ClientWrites<M> {
  let client: Pick<BroadcastChannelClient, 'sendMutation'> | undefined;
  // Looked up on globalThis when called, so fake timers installed later still apply.
  const timers = (options.timers ?? globalThis) as NonNullable<OutboxOptions['timers']>;
  const retryMs = options.retryMs ?? 1000;
  /**
   * Set while a send failed without a refusal (timeout, the host's store failed, a busy host):
   * resent after `retryMs`, or at once when the host changes. Without the timer a mutation the
   * same host failed to apply would stay pending, and its `mutate()` unsettled, until a new host.
   */
  let retry: unknown;
  let stopped = false;
  const resend = () => {
    if (retry === undefined) return;
    timers.clearTimeout(retry);
    retry = undefined;
    if (!stopped) queue.resend();
  };
  const queue = createOptimisticQueue<M>({
    ...options,
    clientId: options.clientId ?? clientId,
    onError,
    send: (request) =>
      (client as Pick<BroadcastChannelClient, 'sendMutation'>)
        .sendMutation(request)
        .catch((error: unknown) => {
          if (!(error instanceof MutationRejected) && !stopped && retry === undefined)
            retry = timers.setTimeout(resend, retryMs);
          throw error;
        }),
  });
  return {
    queue,
    hooks: {
      clientId: queue.clientId,
      observe: (event) => queue.observe(event),
      confirm: (topic, seq, revision, epoch) => queue.confirm(topic, seq, revision, epoch),
      // Requests still waiting were resent to the new host by the client itself.
      hostChanged: resend,
    },
    bind(given) {
      client = given;
    },
    stop() {
      stopped = true;
      if (retry !== undefined) timers.clearTimeout(retry);
      retry = undefined;
      queue.stop();
    },
  };
}

export interface BroadcastChannelWriteClient<M extends MutatorsByTopic>
  extends BroadcastChannelClient {
  /** Typed by the mutators: applies at once to `optimistic`'s view, resolves with the ack. */
  mutate: MutateFn<M, MutationAck>;
  /** Core's OptimisticQueue: `syncPiniaStore/syncZustandStore({ optimistic })`, `pending()`. */
  readonly optimistic: OptimisticQueue<M>;
}

/**
 * A client end with the typed write path: `mutate(topic, name, args)` applied by the host tab's
 * mutators exactly once, shown at once in `optimistic`'s view. A separate factory so the plain
 * `createBroadcastChannelClient` bundle carries no queue.
 */
export function createBroadcastChannelWriteClient<M extends MutatorsByTopic>(
  options: BroadcastChannelClientOptions & WriteOptions<M>,
): BroadcastChannelWriteClient<M> {
  const { mutators, clientId, maxPending, debounceMs, timers, retryMs, ...clientOptions } = options;
  const id = clientOptions.id ?? randomId();
  const writes = createClientWrites<M>(
    {
      mutators,
      ...(clientId !== undefined ? { clientId } : {}),
      ...(maxPending !== undefined ? { maxPending } : {}),
      ...(debounceMs !== undefined ? { debounceMs } : {}),
      ...(timers ? { timers } : {}),
      ...(retryMs !== undefined ? { retryMs } : {}),
    },
    id,
    // A failed send (it is resent) or a mutator that threw in the local view (the host decides).
    (error) =>
      clientOptions.onError?.(
        error instanceof BroadcastChannelError
          ? error
          : new BroadcastChannelError('internal', 'the write queue reported an error', {
              cause: error,
            }),
      ),
  );
  const client = createBroadcastChannelClient({ ...clientOptions, id, writes: writes.hooks });
  writes.bind(client);
  const close = client.close;
  return Object.assign(client, {
    mutate: writes.queue.mutate,
    optimistic: writes.queue,
    close() {
      writes.stop();
      close();
    },
  });
}
