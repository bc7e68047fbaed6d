// The host's mutator path (docs/writes.md): a `mutate` with `{ name, args, clientId, seq }` goes
// through core's createMutationHandler, which applies it exactly once per (clientId, seq) with
// compare-and-set on the source; its outcome becomes the `ack` or `error` reply.
import {
  createMutationHandler,
  isStateSyncError,
  MutationRejected,
  type MutationSnapshot,
  type MutatorsByTopic,
  type Source,
} from '@state-sync/core';
import { createHost } from './host';
import type { BroadcastChannelHost, BroadcastChannelHostOptions } from './host-api';
import type { MessageBody } from './protocol';

type MutateBody = {
  from: string;
  id: string;
  topic: string;
  name?: string | undefined;
  args?: unknown;
  clientId?: string | undefined;
  seq?: number | undefined;
};

/** The counters of the mutator path, kept in the host's metrics. */
export interface MutatorMetrics {
  mutations: number;
  duplicates: number;
  /** Mutator calls refused (by the mutator, its schema, or the exactly-once check). */
  rejected: number;
  /** Mutator calls turned away because `maxMutationsInFlight` were already being applied. */
  busy: number;
}

export interface HostMutators {
  /** The topic's state with `clientId`'s lastAppliedSeq (without it when the store keeps none). */
  snapshot(topic: string, clientId?: string): Promise<MutationSnapshot<unknown>>;
  /** The reply to a mutator call; a failure that is not a refusal goes to `onFailure`. */
  serve(message: MutateBody, onFailure: (error: unknown) => MessageBody): Promise<MessageBody>;
}

export function createHostMutators(
  source: Source,
  mutators: MutatorsByTopic,
  metrics: MutatorMetrics,
  maxInFlight: number,
): HostMutators {
  const handler = createMutationHandler({ source, mutators });
  let inFlight = 0;
  return {
    async snapshot(topic, clientId) {
      try {
        return await handler.snapshot(topic, clientId);
      } catch (error) {
        // A store without the `mutations` capability: serve the state; mutations are refused.
        if (!isStateSyncError(error) || error.code !== 'unsupported') throw error;
        return source.topic(topic).get();
      }
    },
    async serve(message, onFailure) {
      const to = message.from;
      // Each client has one mutation in flight; only a flood (or a bug) reaches the bound. Not a
      // refusal: the client keeps the mutation and sends it again on the next host change.
      if (inFlight >= maxInFlight) {
        metrics.busy++;
        return {
          type: 'error',
          to,
          id: message.id,
          code: 'internal',
          message: `the host is applying ${maxInFlight} mutations already (maxMutationsInFlight): try again later`,
        };
      }
      inFlight++;
      try {
        const ack = await handler.apply({
          topic: message.topic,
          name: message.name as string,
          args: message.args,
          clientId: message.clientId as string,
          seq: message.seq as number,
        });
        if (ack.duplicate) metrics.duplicates++;
        else metrics.mutations++;
        return {
          type: 'ack',
          to,
          id: message.id,
          topic: message.topic,
          revision: ack.revision,
          epoch: ack.epoch,
          lastAppliedSeq: ack.lastAppliedSeq,
          ...(ack.duplicate ? { duplicate: true } : {}),
        };
      } catch (caught) {
        // A store without the `mutations` capability cannot apply exactly once: a refusal naming
        // the fix, not a failure the client would retry forever.
        const error =
          isStateSyncError(caught) && caught.code === 'unsupported'
            ? new MutationRejected('unsupported', caught.message)
            : caught;
        if (!(error instanceof MutationRejected)) return onFailure(error);
        metrics.rejected++;
        return {
          type: 'error',
          to,
          id: message.id,
          code: error.code,
          message: error.message,
          rejected: true,
        };
      } finally {
        inFlight--;
      }
    },
  };
}

/**
 * Serves a core Source over the channel: invalidations to subscribed tabs, snapshots for `get`,
 * and every write (`mutate`): the escape hatch's ops, and with `mutators` the typed mutator calls.
 */
export function createBroadcastChannelHost(
  options: BroadcastChannelHostOptions,
): BroadcastChannelHost {
  return createHost(options, createHostMutators);
}
