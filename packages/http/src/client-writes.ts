// The client's write path: the typed `mutate(topic, name, args)` through core's OptimisticQueue
// (applied to the optimistic view at once, sent in order with (clientId, seq), resent after a
// reconnect or a failed request, so the server applies each exactly once), and the acks and
// invalidation marks that tell the queue when the confirmed state includes a mutation.
import {
  createOptimisticQueue,
  type InvalidationEvent,
  type MutateFn,
  type MutationAck,
  MutationRejected,
  type MutationRequest,
  type MutatorsByTopic,
  type OptimisticQueue,
} from '@state-sync/core';
import type { HttpSyncClientOptions } from './client-options';
import { StateSyncHttpError } from './errors';
import { postMutator, type RequestContext } from './http-requests';

export interface ClientWrites<M extends MutatorsByTopic> {
  mutate: MutateFn<M, MutationAck>;
  optimistic: OptimisticQueue<M> | undefined;
  /** An invalidation: its `mutation` mark confirms this client's mutation. */
  observe(event: InvalidationEvent): void;
  /** The event stream is back: resend what is unanswered. */
  reconnected(): void;
  stop(): void;
}

export function createClientWrites<M extends MutatorsByTopic>(
  options: HttpSyncClientOptions<M>,
  request: RequestContext,
  backoff: { baseDelayMs: number; maxDelayMs: number },
  report: (error: StateSyncHttpError) => void,
): ClientWrites<M> {
  const { mutators } = options;
  if (!mutators) {
    const none = () =>
      Promise.reject(
        new StateSyncHttpError(
          'invalid_argument',
          'client.mutate needs options.mutators (the mutators the server has); use mutateOp for a free-form op',
        ),
      );
    return {
      mutate: none as MutateFn<M, MutationAck>,
      optimistic: undefined,
      observe() {},
      reconnected() {},
      stop() {},
    };
  }
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let stopped = false;

  /** A failed request (not a refusal): the queue holds the mutation; try again after a backoff. */
  function retryLater(): void {
    if (stopped || retryTimer !== undefined) return;
    const delay = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** failures++);
    retryTimer = globalThis.setTimeout(() => {
      retryTimer = undefined;
      queue.resend();
    }, delay);
  }

  const queue = createOptimisticQueue<M>({
    mutators,
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.maxPending === undefined ? {} : { maxPending: options.maxPending }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    async send(mutation: MutationRequest) {
      try {
        const ack = await postMutator(request, mutation);
        failures = 0;
        return ack;
      } catch (error) {
        if (!(error instanceof MutationRejected)) retryLater();
        throw error;
      }
    },
    onError(error) {
      report(
        error instanceof StateSyncHttpError
          ? error
          : new StateSyncHttpError('internal', 'the optimistic queue failed', { cause: error }),
      );
    },
  });

  return {
    mutate: queue.mutate,
    optimistic: options.optimistic === false ? undefined : queue,
    observe: (event) => queue.observe(event),
    reconnected() {
      globalThis.clearTimeout(retryTimer);
      retryTimer = undefined;
      failures = 0;
      queue.resend();
    },
    stop() {
      stopped = true;
      globalThis.clearTimeout(retryTimer);
      queue.stop();
    },
  };
}
