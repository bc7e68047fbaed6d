// The browser/Node client: one event stream for every topic (invalidations, beacons), snapshots
// pulled with plain GETs at revision-addressed URLs so an HTTP cache can answer them. Safe for
// browser bundles: nothing runs at import, no Node APIs, only `fetch`.
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type RefreshReason,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SnapshotProvider,
} from '@state-sync/core';
import { isTopicName, topicNameProblem } from '@state-sync/protocol';
import { StateSyncHttpError, type StateSyncHttpErrorCode, WIRE_ERROR_CODES } from './errors';
import { createEventConnection, type StreamMessage } from './event-connection';
import { fetchSnapshot, type Position, postMutate, type RequestContext } from './http-requests';

export type ClientStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ReconnectOptions {
  /** First delay after a drop; doubles per failed attempt. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Fraction of each delay drawn at random, 0…1. Default 0.5. */
  jitter?: number;
}

export interface HttpSyncClientOptions {
  /** Where the handler is mounted, e.g. `https://api.example.com/sync` (no trailing slash needed). */
  url: string;
  /** Sent with every request (the event stream, snapshots, mutate). */
  headers?: Record<string, string>;
  /** Called before every request, e.g. for a fresh token; merged over `headers`. */
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  /** The fetch to use. Default `globalThis.fetch` (browsers, Node ≥ 18, Bun, Deno). */
  fetch?: typeof fetch;
  /** `'include'` to send cookies to another origin (the server's CORS must allow credentials). */
  credentials?: RequestCredentials;
  reconnect?: ReconnectOptions;
  /** Time allowed for the event stream to open (answer + `hello`). Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time allowed for a snapshot or mutate request. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /** An event larger than this ends the stream (it reconnects). Default 1 MiB. */
  maxEventBytes?: number;
  /** Every problem: bad frames, server errors, drops. Never throws into your code. */
  onError?: (error: StateSyncHttpError) => void;
  onStatus?: (status: ClientStatus) => void;
  /** Pull on the browser's `online` and `visibilitychange` → visible. Default true. */
  browserEvents?: boolean;
  /** Randomness for the backoff jitter, injectable for tests. Default Math.random. */
  random?: () => number;
}

export interface MutateOptions {
  /** Sent as `baseRevision`; your `onMutate` can refuse a write based on a stale view. */
  baseRevision?: string;
  signal?: AbortSignal;
}

export interface ClientMetrics {
  framesReceived: number;
  /** Frames rejected before reaching the engine: not JSON, unknown type, failed the schema. */
  invalidFrames: number;
  /** Errors reported through onError, all kinds. */
  errors: number;
  /** Snapshot requests sent (each may be answered by a cache on the way). */
  snapshotRequests: number;
}

export type SyncTopicOptions<T> = Omit<RevisionSyncOptions<T>, 'topic' | 'subscriber' | 'provider'>;

export interface HttpSyncClient {
  status(): ClientStatus;
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** The transport half an engine needs; many engines may share one topic. */
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
  /** The shortest form: an engine for `topic` on this client, already started. */
  sync<T>(topic: string, options: SyncTopicOptions<T>): RevisionSyncHandle;
  /** `POST …/mutate` with `op` (the server's `onMutate`); resolves with the new revision. */
  mutateOp(topic: string, op: unknown, options?: MutateOptions): Promise<{ revision?: string }>;
  /** Engine handlers currently attached, for leak checks. */
  listenerCount(): number;
  getMetrics(): ClientMetrics;
  /** Ends the event stream for good; later requests reject with `closed`. */
  close(): Promise<void>;
}

type Handler = (event: unknown) => void;

export function createHttpSyncClient(options: HttpSyncClientOptions): HttpSyncClient {
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

  let status: ClientStatus = 'connecting';
  const statusListeners = new Set<(status: ClientStatus) => void>();
  if (options.onStatus) statusListeners.add(options.onStatus);
  const handlers = new Map<string, Set<Handler>>();
  /** The newest position heard per subscribed topic: the revision-addressed URL to pull. */
  const known = new Map<string, Position>();
  const waiters = new Set<{ topic: string; resolve: () => void }>();
  let epoch: string | undefined;
  let reopenQueued = false;
  let resyncOnBeacon = false;
  let detachBrowser: (() => void) | undefined;
  const metrics: ClientMetrics = {
    framesReceived: 0,
    invalidFrames: 0,
    errors: 0,
    snapshotRequests: 0,
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

  function resyncAll(reason: RefreshReason): void {
    for (const topic of [...handlers.keys()]) deliver(topic, { topic, resync: true, reason });
  }

  function heard(topic: string, at: Position): void {
    if (handlers.has(topic)) known.set(topic, at);
  }

  function onMessage(message: StreamMessage, resumed: boolean): void {
    metrics.framesReceived++;
    switch (message.type) {
      case 'hello': {
        const changed = epoch !== undefined && message.epoch !== epoch;
        epoch = message.epoch;
        setStatus('open');
        // After a drop anything may have been missed: pull every topic once the beacon that
        // follows hello told us where each one stands (so the pulls hit revision URLs).
        if (resumed || changed) resyncOnBeacon = true;
        return;
      }
      case 'invalidate': {
        const { topic, revision, epoch: e, sourceId } = message;
        heard(topic, { epoch: e, revision });
        deliver(
          topic,
          sourceId === undefined
            ? { topic, revision, epoch: e }
            : { topic, revision, epoch: e, sourceId },
        );
        return;
      }
      case 'beacon': {
        for (const [topic, revision] of Object.entries(message.revisions)) {
          heard(topic, { epoch: message.epoch, revision });
          if (!resyncOnBeacon)
            deliver(topic, { topic, revision, epoch: message.epoch, reason: 'beacon' });
        }
        if (resyncOnBeacon) {
          resyncOnBeacon = false;
          resyncAll('reconnect');
        }
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

  const connection = createEventConnection({
    request,
    baseDelayMs,
    maxDelayMs,
    jitter,
    random: options.random ?? Math.random,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxEventBytes: options.maxEventBytes ?? 1024 * 1024,
    topics: () => [...handlers.keys()],
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
      resyncOnBeacon = false;
      setStatus('reconnecting');
      // Waiting subscribers are released: the pull after the next hello covers them.
      releaseWaiters();
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

  /**
   * A snapshot GET is safe to send again: one that failed because the server was unreachable or
   * restarting (network error, 502/503/504) is retried with the reconnect backoff until the
   * request timeout, as the WebSocket client resends a `get` on its next socket.
   */
  async function pullWithRetry<T>(topic: string, signal: AbortSignal | undefined) {
    const deadline = Date.now() + request.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      metrics.snapshotRequests++;
      try {
        return await fetchSnapshot<T>(request, topic, known.get(topic), signal);
      } catch (error) {
        const transient =
          error instanceof StateSyncHttpError &&
          (error.code === 'disconnected' || [502, 503, 504].includes(error.status ?? 0));
        const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
        if (!transient || status === 'closed' || signal?.aborted || Date.now() + delay > deadline)
          throw error;
        await new Promise((resolve) => globalThis.setTimeout(resolve, delay));
        if (isClosed()) throw error;
      }
    }
  }

  // A function, not an inline check: status changes across awaits.
  function isClosed(): boolean {
    return status === 'closed';
  }

  function assertTopic(topic: unknown): asserts topic is string {
    if (!isTopicName(topic))
      throw new StateSyncHttpError('invalid_argument', topicNameProblem(topic)!);
  }

  function attachBrowserEvents(): void {
    const win = typeof window === 'undefined' ? undefined : window;
    const doc = typeof document === 'undefined' ? undefined : document;
    if (options.browserEvents === false || !win?.addEventListener) return;
    const wake = () => {
      if (status !== 'closed' && connection.wake()) resyncAll('gap'); // hidden or offline: anything may be missed
    };
    const onVisibility = () => {
      if (doc?.visibilityState === 'visible') wake();
    };
    win.addEventListener('online', wake);
    doc?.addEventListener('visibilitychange', onVisibility);
    detachBrowser = () => {
      win.removeEventListener('online', wake);
      doc?.removeEventListener('visibilitychange', onVisibility);
    };
  }

  const client: HttpSyncClient = {
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => {
        statusListeners.delete(listener);
      };
    },
    subscriber(topic) {
      assertTopic(topic);
      return {
        async subscribe(handler) {
          if (status === 'closed')
            throw new StateSyncHttpError('closed', 'the client is closed', { topic });
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
      assertTopic(topic);
      return {
        async getSnapshot(context) {
          if (status === 'closed')
            throw new StateSyncHttpError('closed', 'the client is closed', { topic });
          return pullWithRetry<T>(topic, context?.signal);
        },
      };
    },
    sync<T>(topic: string, syncOptions: SyncTopicOptions<T>) {
      const handle = createRevisionSync<T>({
        ...syncOptions,
        topic,
        subscriber: client.subscriber(topic),
        provider: client.provider<T>(topic),
      });
      handle.start().catch(() => {}); // a failed start is reported through the engine's onError
      return handle;
    },
    async mutateOp(topic, op, mutateOptions = {}) {
      assertTopic(topic);
      if (status === 'closed')
        throw new StateSyncHttpError('closed', 'the client is closed', { topic });
      return postMutate(request, topic, op, mutateOptions.baseRevision, mutateOptions.signal);
    },
    listenerCount: () => [...handlers.values()].reduce((sum, set) => sum + set.size, 0),
    getMetrics: () => ({ ...metrics }),
    async close() {
      if (status === 'closed') return;
      setStatus('closed');
      statusListeners.clear();
      connection.close();
      releaseWaiters();
      detachBrowser?.();
      detachBrowser = undefined;
    },
  };

  attachBrowserEvents();
  // In a microtask: topics subscribed in the same tick (client.sync right after creation) are in
  // the first stream, instead of costing a second one.
  scheduleReopen();
  return client;
}
