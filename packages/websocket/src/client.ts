// The browser/Node client: one socket multiplexing every topic. This file only wires the parts,
// each in a client-*.ts file: connection (socket lifecycle, with -socket, -reconnect, -heartbeat,
// -status), subscriptions (handlers per topic), requests (`get` / `mutate`), frames (routing each
// server frame, with -beacon); browser wake events are @state-sync/protocol's. Safe for browser
// bundles: nothing runs at import, no Node APIs.
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  type SnapshotProvider,
} from '@state-sync/core';
import { createPushedStates, listenForWake, validateBySchema } from '@state-sync/protocol';
import { createConnection } from './client-connection';
import { FrameRouter } from './client-frames';
import {
  type ClientMetrics,
  type ClientStatus,
  type MutateOptions,
  resolveClientOptions,
  type SyncClientOptions,
  type SyncTopicOptions,
} from './client-options';
import { createRequests, type Requests } from './client-requests';
import { assertTopic, createTopicSubscriptions } from './client-subscriptions';
import { StateSyncWebSocketError } from './errors';
import type { AckMessage, InvalidateMessage, SnapshotMessage } from './protocol';

export type {
  ClientMetrics,
  ClientStatus,
  MutateOptions,
  ReconnectOptions,
  SyncClientOptions,
  SyncTopicOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './client-options';

export interface SyncClient {
  status(): ClientStatus;
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** The transport half an engine needs; many engines may share one topic. */
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
  /** The shortest form: an engine for `topic` on this connection, already started. */
  sync<T>(topic: string, options: SyncTopicOptions<T>): RevisionSyncHandle;
  /** Asks the server to apply `op` (its `onMutate`); resolves on `ack`. */
  mutateOp(topic: string, op: unknown, options?: MutateOptions): Promise<{ revision?: string }>;
  /** Engine handlers currently attached, for leak checks. */
  listenerCount(): number;
  getMetrics(): ClientMetrics;
  /** Closes the socket for good; pending requests reject with `closed`. */
  close(): Promise<void>;
}

/** What the `/writes` entry plugs into a client (internal: not exported from the package root). */
export interface ClientHooks {
  /** Sent in every `get`: the snapshot then carries this client's `lastAppliedSeq`. */
  clientId?: string;
  /** Every valid `invalidate`, before any engine sees it. */
  invalidate?(message: InvalidateMessage): void;
  /** Every `snapshot` answering a `get`, before its engine applies it. */
  snapshot?(message: SnapshotMessage): void;
  /** A new socket got its `hello`; every topic is subscribed again and every queued `get` sent. */
  ready?(): void;
}

export function createSyncClient(clientOptions: SyncClientOptions): SyncClient {
  return createClientWith(clientOptions).client;
}

/** The client plus its request function, for the `/writes` entry. */
export function createClientWith(
  clientOptions: SyncClientOptions,
  hooks: ClientHooks = {},
): { client: SyncClient; request: Requests['request'] } {
  const options = resolveClientOptions(clientOptions);
  const metrics: ClientMetrics = {
    framesReceived: 0,
    invalidFrames: 0,
    errors: 0,
    reconnects: 0,
    pushed: 0,
    deltas: 0,
    deltaFallbacks: 0,
  };

  function report(error: StateSyncWebSocketError): void {
    metrics.errors++;
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the socket loop
    }
  }

  const connection = createConnection(
    options,
    report,
    metrics,
    (first, reason) => {
      if (first) {
        subscriptions.resubscribeAll();
        requests.flush();
        hooks.ready?.();
      }
      // Back after a drop: each engine is stale (status `syncing`, not `synced`) until a snapshot
      // it pulls now is applied. A new epoch on the same socket needs the pull alone.
      if (first && reason) subscriptions.connectivity(true);
      if (reason === 'epoch') subscriptions.resyncAll(reason);
    },
    () => {
      requests.dropped();
      subscriptions.connectivity(false);
    },
  );

  const pushedStates = createPushedStates({
    metrics,
    reject: (topic, message, cause) =>
      report(new StateSyncWebSocketError('delta_rejected', message, { cause, topic })),
  });
  const subscriptions = createTopicSubscriptions(connection, report, pushedStates);
  const requests = createRequests(connection, options.requestTimeoutMs, report);
  connection.onFrames(
    new FrameRouter(connection, subscriptions, requests, metrics, report, hooks.invalidate),
  );
  const { clientId } = hooks;
  const pull = (
    topic: string,
    since: { epoch: string; revision: string } | undefined,
    signal: AbortSignal | undefined,
  ) =>
    requests
      .request('get', topic, (id) => ({ type: 'get', id, topic, since, clientId }), signal)
      .then((message) => {
        hooks.snapshot?.(message as SnapshotMessage);
        return message as SnapshotMessage;
      });

  const client: SyncClient = {
    status: connection.status,
    onStatus: connection.onStatus,
    subscriber: subscriptions.subscriber,
    provider<T>(topic: string): SnapshotProvider<T> {
      assertTopic(topic);
      return {
        async getSnapshot(context) {
          const { revision, epoch, data } = await pull(topic, undefined, context?.signal);
          return { revision, epoch, data } as SnapshotEnvelope<T>;
        },
      };
    },
    sync<T>(topic: string, syncOptions: SyncTopicOptions<T>) {
      assertTopic(topic);
      subscriptions.readPushed(topic);
      const provider = pushedStates.provider<T>(
        topic,
        (since, context) => pull(topic, since, context?.signal),
        validateBySchema(syncOptions.schema),
      );
      const handle = createRevisionSync<T>({
        ...syncOptions,
        topic,
        subscriber: client.subscriber(topic),
        provider,
      });
      provider.handle = handle;
      // Started here. Until stop(), a later start() returns this same promise, so
      // `await handle.start()` still means "subscribed and first snapshot pulled".
      handle.start().catch(() => {}); // a failed start is reported through the engine's onError
      return handle;
    },
    async mutateOp(topic, op, { baseRevision, signal } = {}) {
      assertTopic(topic);
      const ack = (await requests.request(
        'mutate',
        topic,
        (id) => ({ type: 'mutate', id, topic, op, baseRevision }),
        signal,
      )) as AckMessage;
      return ack.revision === undefined ? {} : { revision: ack.revision };
    },
    listenerCount: subscriptions.listenerCount,
    getMetrics: () => ({ ...metrics }),
    close() {
      if (connection.isClosed()) return Promise.resolve();
      detachBrowser?.();
      const closed = connection.close();
      requests.closeAll();
      return closed;
    },
  };

  const detachBrowser = options.browserEvents
    ? listenForWake(() => {
        if (connection.wake()) subscriptions.resyncAll('gap'); // anything may have been missed
      })
    : undefined;
  connection.ensureConnected();
  return { client, request: requests.request };
}
