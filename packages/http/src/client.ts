// The browser/Node client: one event stream for every topic (invalidations with their pushed
// changes, beacons), snapshots and deltas pulled with plain GETs at revision-addressed URLs so an
// HTTP cache can answer them. This file wires the parts: event-connection (the stream, reconnect,
// heartbeat), client-pull (pulls), client-writes (mutators), and protocol's pushed states. Safe for
// browser bundles: nothing runs at import, no Node APIs, only `fetch`.
import {
  createRevisionSync,
  type MutatorsByTopic,
  type RefreshReason,
  type RevisionSyncHandle,
  type SnapshotProvider,
} from '@state-sync/core';
import {
  createPushedStates,
  isTopicName,
  listenForWake,
  topicNameProblem,
  validateBySchema,
} from '@state-sync/protocol';
import type {
  ClientMetrics,
  ClientStatus,
  HttpSyncClient,
  HttpSyncClientOptions,
  SyncTopicOptions,
} from './client-options';
import { pull } from './client-pull';
import { createClientWrites } from './client-writes';
import { StateSyncHttpError, type StateSyncHttpErrorCode, WIRE_ERROR_CODES } from './errors';
import { createEventConnection, type StreamMessage } from './event-connection';
import { type Position, postMutate, type RequestContext } from './http-requests';
import { formatResumeId } from './sse-resume';

export type {
  ClientMetrics,
  ClientStatus,
  HttpSyncClient,
  HttpSyncClientOptions,
  MutateOptions,
  ReconnectOptions,
  SyncTopicOptions,
} from './client-options';

type Handler = (event: unknown) => void;

export function createHttpSyncClient<M extends MutatorsByTopic = MutatorsByTopic>(
  options: HttpSyncClientOptions<M>,
): HttpSyncClient<M> {
  if (typeof options.url !== 'string' || !/^https?:\/\//i.test(options.url)) {
    throw new StateSyncHttpError(
      'invalid_argument',
      `options.url must be an http:// or https:// URL, got ${JSON.stringify(String(options.url).slice(0, 60))}`,
    );
  }
  const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchImpl !== 'function')
    throw new StateSyncHttpError('invalid_argument', 'no fetch: pass options.fetch');
  const { reconnect: { baseDelayMs = 250, maxDelayMs = 10_000, jitter = 0.5 } = {} } = options;
  const push = options.push !== false;

  let status: ClientStatus = 'connecting';
  const statusListeners = new Set<(status: ClientStatus) => void>();
  if (options.onStatus) statusListeners.add(options.onStatus);
  const handlers = new Map<string, Set<Handler>>();
  /** The newest position heard per subscribed topic: the revision-addressed URL to pull. */
  const known = new Map<string, Position>();
  /** The position each topic's engine applied last (client.sync): where a resume starts. */
  const applied = new Map<string, Position>();
  const waiters = new Set<{ topic: string; resolve: () => void }>();
  let epoch: string | undefined;
  let reopenQueued = false;
  /** What the beacon after hello must do: tell engines the link is back, or resync them. */
  let onBeacon: 'reconnected' | RefreshReason | undefined;
  let offline = false;
  let detachBrowser: (() => void) | undefined;
  const metrics: ClientMetrics = {
    framesReceived: 0,
    invalidFrames: 0,
    errors: 0,
    snapshotRequests: 0,
    pushed: 0,
    deltas: 0,
    deltaFallbacks: 0,
    notModified: 0,
  };

  function report(error: StateSyncHttpError): void {
    metrics.errors++;
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the client
    }
  }

  function setStatus(next: ClientStatus): void {
    if (status === next || status === 'closed') return;
    status = next;
    for (const listener of [...statusListeners]) {
      try {
        listener(next);
      } catch {
        // a throwing listener must not break the client
      }
    }
  }

  function deliver(topic: string, payload: unknown): void {
    for (const handler of [...(handlers.get(topic) ?? [])]) {
      try {
        handler(payload);
      } catch (cause) {
        report(
          new StateSyncHttpError('internal', `a handler for "${topic}" threw`, { cause, topic }),
        );
      }
    }
  }

  function toAll(payload: (topic: string) => unknown): void {
    for (const topic of [...handlers.keys()]) deliver(topic, payload(topic));
  }

  function heard(topic: string, at: Position): void {
    if (handlers.has(topic)) known.set(topic, at);
  }

  const pushedStates = createPushedStates({
    metrics,
    reject: (topic, message, cause) =>
      report(new StateSyncHttpError('delta_rejected', message, { cause, topic })),
  });

  function onMessage(message: StreamMessage, resumed: boolean): void {
    metrics.framesReceived++;
    switch (message.type) {
      case 'hello': {
        const changed = epoch !== undefined && message.epoch !== epoch;
        epoch = message.epoch;
        setStatus('open');
        // After a drop anything may have been missed: once the beacon that follows hello told us
        // where each topic stands (so pulls hit revision URLs), every engine pulls. The deltas a
        // resume sends come before that beacon and are applied first: the pull is then a 304.
        if (resumed) onBeacon = 'reconnected';
        else if (changed) onBeacon = 'epoch';
        return;
      }
      case 'invalidate': {
        const { topic, revision, epoch: e, sourceId, mutation } = message;
        heard(topic, { epoch: e, revision });
        if (push) pushedStates.remember(message);
        if (mutation) writes.observe({ topic, revision, epoch: e, mutation });
        deliver(
          topic,
          sourceId === undefined
            ? { topic, revision, epoch: e }
            : { topic, revision, epoch: e, sourceId },
        );
        return;
      }
      case 'beacon': {
        const then = onBeacon;
        onBeacon = undefined;
        for (const [topic, revision] of Object.entries(message.revisions)) {
          heard(topic, { epoch: message.epoch, revision });
          if (!then) deliver(topic, { topic, revision, epoch: message.epoch, reason: 'beacon' });
        }
        if (then === 'reconnected') {
          offline = false;
          toAll((topic) => ({ topic, connected: true }));
          writes.reconnected();
        } else if (then) toAll((topic) => ({ topic, resync: true, reason: then }));
        return;
      }
      case 'error': {
        const code = (WIRE_ERROR_CODES as readonly string[]).includes(message.code)
          ? (message.code as StateSyncHttpErrorCode)
          : 'server_error';
        report(
          new StateSyncHttpError(
            code,
            `server: ${message.code}: ${message.message}`,
            message.topic === undefined ? {} : { topic: message.topic },
          ),
        );
      }
    }
  }

  const request: RequestContext = {
    fetch: fetchImpl,
    base: options.url.replace(/\/+$/, ''),
    credentials: options.credentials,
    timeoutMs: options.requestTimeoutMs ?? 15_000,
    async headers() {
      const extra = options.getHeaders ? await options.getHeaders() : {};
      return { ...options.headers, ...extra };
    },
  };
  const writes = createClientWrites(options, request, { baseDelayMs, maxDelayMs }, report);
  const pullContext = {
    request,
    metrics,
    baseDelayMs,
    maxDelayMs,
    deltas: push,
    known: (topic: string) => known.get(topic),
    isClosed: () => status === 'closed',
  };

  const connection = createEventConnection({
    request,
    baseDelayMs,
    maxDelayMs,
    jitter,
    random: options.random ?? Math.random,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxEventBytes: options.maxEventBytes ?? 1024 * 1024,
    features: push ? 'delta,inline,resume' : undefined,
    topics: () => [...handlers.keys()],
    resumeId(topics) {
      if (!push || epoch === undefined) return undefined;
      const positions = new Map<string, string>();
      for (const topic of topics) {
        const at = applied.get(topic);
        if (at?.epoch === epoch) positions.set(topic, at.revision);
      }
      return formatResumeId(epoch, positions, topics.size);
    },
    onMessage,
    onLive(topics) {
      for (const waiter of [...waiters]) {
        if (topics.has(waiter.topic)) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      }
    },
    onDown() {
      onBeacon = undefined;
      setStatus('reconnecting');
      pushedStates.clear();
      // Waiting subscribers are released: the pull after the next hello covers them.
      releaseWaiters();
      if (!offline) {
        offline = true;
        toAll((topic) => ({ topic, connected: false })); // engines show `offline` until back
      }
    },
    onInvalidFrame(problem) {
      metrics.invalidFrames++;
      report(new StateSyncHttpError('invalid_message', problem));
    },
    report,
  });

  function releaseWaiters(): void {
    for (const waiter of [...waiters]) waiter.resolve();
    waiters.clear();
  }

  function scheduleReopen(): void {
    if (reopenQueued) return;
    reopenQueued = true;
    // One reopen for every topic added in the same tick (engines started together).
    queueMicrotask(() => {
      reopenQueued = false;
      if (status === 'closed') return;
      if (connection.isBackingOff()) releaseWaiters();
      else connection.sync();
    });
  }

  function assertOpen(topic: unknown): asserts topic is string {
    if (!isTopicName(topic))
      throw new StateSyncHttpError('invalid_argument', topicNameProblem(topic)!);
    if (status === 'closed')
      throw new StateSyncHttpError('closed', 'the client is closed', { topic });
  }

  const client: HttpSyncClient<M> = {
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => {
        statusListeners.delete(listener);
      };
    },
    subscriber(topic) {
      if (!isTopicName(topic))
        throw new StateSyncHttpError('invalid_argument', topicNameProblem(topic)!);
      return {
        async subscribe(handler) {
          assertOpen(topic);
          const wrapped: Handler = (event) => handler(event);
          let set = handlers.get(topic);
          if (!set) {
            set = new Set();
            handlers.set(topic, set);
          }
          set.add(wrapped);
          const mine = set;
          const unsubscribe = () => {
            if (!mine.delete(wrapped) || mine.size > 0 || handlers.get(topic) !== mine) return;
            handlers.delete(topic);
            known.delete(topic);
            applied.delete(topic);
            pushedStates.forget(topic);
            scheduleReopen();
          };
          if (!connection.isLive(topic)) {
            // Resolved once a stream carrying the topic is live (the server watches it), so the
            // engine's pull that follows cannot miss a change.
            await new Promise<void>((resolve) => {
              waiters.add({ topic, resolve });
              scheduleReopen();
            });
          }
          return unsubscribe;
        },
      };
    },
    provider<T>(topic: string): SnapshotProvider<T> {
      if (!isTopicName(topic))
        throw new StateSyncHttpError('invalid_argument', topicNameProblem(topic)!);
      return {
        async getSnapshot(context) {
          assertOpen(topic);
          const answer = await pull<T>(pullContext, topic, undefined, undefined, context?.signal);
          return { revision: answer.revision, epoch: answer.epoch, data: answer.data as T };
        },
      };
    },
    sync<T>(topic: string, syncOptions: SyncTopicOptions<T>) {
      const provider = pushedStates.provider<T>(
        topic,
        (since, context) => {
          assertOpen(topic);
          return pull<T>(pullContext, topic, since, handle.getApplied(), context?.signal);
        },
        validateBySchema(syncOptions.schema),
      );
      const handle: RevisionSyncHandle<T> = createRevisionSync<T>({
        ...syncOptions,
        topic,
        subscriber: client.subscriber(topic),
        provider,
      });
      provider.handle = handle;
      handle.onApply((envelope) => {
        if (envelope.epoch !== undefined)
          applied.set(topic, { epoch: envelope.epoch, revision: envelope.revision });
      });
      handle.start().catch(() => {}); // a failed start is reported through the engine's onError
      return handle;
    },
    mutate: writes.mutate,
    optimistic: writes.optimistic,
    async mutateOp(topic, op, mutateOptions = {}) {
      assertOpen(topic);
      return postMutate(request, topic, op, mutateOptions.baseRevision, mutateOptions.signal);
    },
    listenerCount: () => [...handlers.values()].reduce((sum, set) => sum + set.size, 0),
    getMetrics: () => ({ ...metrics }),
    async close() {
      if (status === 'closed') return;
      setStatus('closed');
      statusListeners.clear();
      connection.close();
      writes.stop();
      releaseWaiters();
      detachBrowser?.();
      detachBrowser = undefined;
    },
  };

  if (options.browserEvents !== false) {
    detachBrowser = listenForWake(() => {
      // hidden or offline: anything may have been missed
      if (status !== 'closed' && connection.wake())
        toAll((topic) => ({ topic, resync: true, reason: 'gap' }));
    });
  }
  // In a microtask: topics subscribed in the same tick (client.sync right after creation) are in
  // the first stream, instead of costing a second one.
  scheduleReopen();
  return client;
}
