// What a client end offers and counts: the options, metrics and methods of
// createBroadcastChannelClient (client.ts builds it).
import type {
  InvalidationEvent,
  InvalidationSubscriber,
  MutationAck,
  MutationRequest,
  Revision,
  SnapshotEnvelope,
  SnapshotProvider,
} from '@state-sync/core';
import type { BroadcastChannelConstructor } from './channel';
import type { BroadcastChannelError } from './errors';
import type { PushMetrics, PushProviderOptions } from './push';

export interface BroadcastChannelClientOptions {
  /** Namespaces the channel and every message; must match the host's. */
  appId: string;
  /** Default `state-sync:${appId}`. */
  channelName?: string;
  /** This end's id: `from` on the wire and the `sourceId` of its writes. Default: random. */
  id?: string;
  /** How long a request waits for a host; restarted when a new host takes over. Default 5000. */
  timeoutMs?: number;
  /** Malformed messages of ours. Foreign messages are only counted (`getMetrics().foreign`). */
  onError?: (error: BroadcastChannelError) => void;
  BroadcastChannel?: BroadcastChannelConstructor;
  /**
   * The write path's hooks (an optimistic queue's), set by `createBroadcastChannelWriteClient` and
   * `createTabSync({ mutators })`: `get` then asks for this client's `lastAppliedSeq`.
   */
  writes?: ClientWriteHooks;
}

/** What the client tells an optimistic queue (docs/writes.md "How a transport wires it"). */
export interface ClientWriteHooks {
  /** The queue's client id, sent with `get` and every mutation. */
  readonly clientId: string;
  /** Every invalidation, before the engines see it: its `mutation` mark confirms a pending one. */
  observe(event: InvalidationEvent): void;
  /** A snapshot: the state at `revision` includes this client's mutations up to `seq`. */
  confirm(topic: string, seq: number, revision: Revision, epoch?: string): void;
  /** A new host took over (pending requests were resent to it already). */
  hostChanged(): void;
}

export interface MutateOptions {
  /** Write only if the topic is still at this revision; otherwise reject with `conflict`. */
  baseRevision?: Revision;
}

export interface ClientMetrics extends PushMetrics {
  received: number;
  foreign: number;
  invalid: number;
  /** Requests (get, mutate) posted, not counting resends. */
  requests: number;
  /** Requests posted again because a new host took over. */
  resent: number;
  timeouts: number;
  /** Times a host other than the known one announced itself. */
  hostChanges: number;
  /** Snapshot requests answered from this client's own acknowledged write instead of the wire. */
  servedFromAck: number;
}

export interface BroadcastChannelClient {
  readonly id: string;
  subscriber(topic: string): InvalidationSubscriber;
  /**
   * The snapshot provider of one engine. It answers an invalidation-driven fetch from the state
   * the host pushed (inline, or a delta on exactly the engine's state) and pulls otherwise, with
   * `since` so the host can answer with the change only. Pass what it knows of the engine.
   */
  provider<T>(topic: string, options?: PushProviderOptions<T>): SnapshotProvider<T>;
  /** Replaces the topic's data through the host; resolves to the state written. */
  set<T>(topic: string, data: T, options?: MutateOptions): Promise<SnapshotEnvelope<T>>;
  /**
   * Sends one mutator call `{ topic, name, args, clientId, seq }` to the host (the `send` hook of
   * core's createOptimisticQueue). Resolves with the ack; rejects with `MutationRejected` (the
   * mutator's own code and message) when refused, with a `BroadcastChannelError` otherwise.
   */
  sendMutation(request: MutationRequest): Promise<MutationAck>;
  /** The escape hatch: sends a custom op to the host's reducer; resolves to the state written. */
  mutateOp<T>(topic: string, op: unknown, options?: MutateOptions): Promise<SnapshotEnvelope<T>>;
  /** The host last heard from, if any. */
  getHostId(): string | undefined;
  onHostChange(listener: (hostId: string) => void): () => void;
  /** Handlers currently subscribed through this client, for leak checks. */
  listenerCount(): number;
  getMetrics(): ClientMetrics;
  /** Rejects pending requests with `closed`, tells the host, closes the channel. Idempotent. */
  close(): void;
}

export const newClientMetrics = (): ClientMetrics => ({
  received: 0,
  foreign: 0,
  invalid: 0,
  requests: 0,
  resent: 0,
  timeouts: 0,
  hostChanges: 0,
  servedFromAck: 0,
  pushed: 0,
  deltas: 0,
  deltaFallbacks: 0,
});
