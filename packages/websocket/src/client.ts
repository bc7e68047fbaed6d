// The browser/Node client: one socket multiplexing every topic, reconnecting with backoff, turning
// server frames into payloads for the engine (invalidations, beacons, resync events) and pulling
// snapshots with `get`. Safe for browser bundles: nothing runs at import, no Node APIs.
import {
  createRevisionSync,
  type InvalidationSubscriber,
  type RefreshReason,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SnapshotEnvelope,
  type SnapshotProvider,
} from '@state-sync/core';
import {
  StateSyncWebSocketError,
  type StateSyncWebSocketErrorCode,
  WIRE_ERROR_CODES,
} from './errors';
import {
  type ClientMessage,
  parseFrame,
  type ServerMessage,
  serverMessageSchemas,
} from './protocol';

export type ClientStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What the client needs from a WebSocket: the browser's, `ws`'s and undici's all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

export interface ReconnectOptions {
  /** First delay after a drop; doubles per failed attempt. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Fraction of each delay drawn at random, 0…1. Default 0.5. */
  jitter?: number;
}

export interface SyncClientOptions {
  /** `ws://` or `wss://` URL, or a function (called before every connect) returning one. */
  url: string | (() => string | Promise<string>);
  /** The WebSocket implementation. Default `globalThis.WebSocket`; pass `ws`'s in Node 20. */
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  /** Sent in the first message (`auth`); a function is called before every connect. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  reconnect?: ReconnectOptions;
  /** Time allowed from opening a socket to the server's `hello`. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time allowed for a `get` or `mutate` answer, connection waits included. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /** Every problem: bad frames, server errors, drops. Never throws into your code. */
  onError?: (error: StateSyncWebSocketError) => void;
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
  /** Sockets opened after the first one. */
  reconnects: number;
}

export type SyncTopicOptions<T> = Omit<RevisionSyncOptions<T>, 'topic' | 'subscriber' | 'provider'>;

export interface SyncClient {
  status(): ClientStatus;
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** The transport half an engine needs; many engines may share one topic. */
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
  /** The shortest form: an engine for `topic` on this connection, already started. */
  sync<T>(topic: string, options: SyncTopicOptions<T>): RevisionSyncHandle;
  /** Asks the server to apply `op` (its `onMutate`); resolves on `ack`. */
  mutate(topic: string, op: unknown, options?: MutateOptions): Promise<{ revision?: string }>;
  /** Engine handlers currently attached, for leak checks. */
  listenerCount(): number;
  getMetrics(): ClientMetrics;
  /** Closes the socket for good; pending requests reject with `closed`. */
  close(): Promise<void>;
}

type Handler = (event: unknown) => void;
type Pending = {
  kind: 'get' | 'mutate';
  topic: string;
  frame: ClientMessage;
  sent: boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: StateSyncWebSocketError) => void;
};
type Socket = WebSocketLike & {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: (() => void) | null;
};

const OPEN = 1;
const CLOSED = 3;
const MAX_TIMER_MS = 2_147_483_647;

/** Close codes the server uses, turned into error codes for onError. */
function closeProblem(code: number | undefined): StateSyncWebSocketErrorCode | undefined {
  if (code === 4401 || code === 4408) return 'unauthorized';
  if (code === 4429) return 'rate_limited';
  if (code === 1009) return 'too_large';
  if (code === 1008 || (code !== undefined && code >= 4000 && code < 5000)) return 'server_error';
}

function decode(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    return new TextDecoder().decode(data as ArrayBuffer);
}

export function createSyncClient(options: SyncClientOptions): SyncClient {
  const {
    reconnect: { baseDelayMs = 250, maxDelayMs = 10_000, jitter = 0.5 } = {},
    connectTimeoutMs = 10_000,
    requestTimeoutMs = 15_000,
    browserEvents = true,
    random = Math.random,
  } = options;
  if (typeof options.url !== 'string' && typeof options.url !== 'function') {
    throw new StateSyncWebSocketError(
      'invalid_argument',
      'options.url must be a ws:// URL string or a function returning one',
    );
  }

  let status: ClientStatus = 'connecting';
  const statusListeners = new Set<(status: ClientStatus) => void>();
  if (options.onStatus) statusListeners.add(options.onStatus);

  // One socket per client object: `socket` is the only live one, `connecting` guards the async
  // gap before it exists, and every socket callback checks it is still the current socket.
  let socket: Socket | undefined;
  let connecting = false;
  let ready = false; // `hello` received on the current socket
  let attempt = 0;
  let opened = false;
  let epoch: string | undefined;
  let heartbeatMs = 0;
  let lastFrameAt = 0;
  let deadTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let detachBrowser: (() => void) | undefined;

  const handlers = new Map<string, Set<Handler>>();
  const pending = new Map<string, Pending>();
  let nextId = 0;
  const metrics: ClientMetrics = { framesReceived: 0, invalidFrames: 0, errors: 0, reconnects: 0 };

  function report(error: StateSyncWebSocketError): void {
    metrics.errors++;
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the socket loop
    }
  }

  function setStatus(next: ClientStatus): void {
    if (status === next) return;
    status = next;
    for (const listener of [...statusListeners]) {
      try {
        listener(next);
      } catch {
        // a throwing listener must not break the socket loop
      }
    }
  }

  function send(message: ClientMessage): boolean {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function deliver(topic: string, payload: unknown): void {
    for (const handler of [...(handlers.get(topic) ?? [])]) {
      try {
        handler(payload);
      } catch (cause) {
        report(
          new StateSyncWebSocketError('internal', `a handler for "${topic}" threw`, {
            cause,
            topic,
          }),
        );
      }
    }
  }

  function resyncAll(reason: RefreshReason): void {
    for (const topic of [...handlers.keys()]) deliver(topic, { topic, resync: true, reason });
  }

  // Moving a deadline is a field write; the timer is re-armed only when it fires early or must
  // fire sooner, so a busy socket does not clear and set a timer on every frame.
  let deadline = 0;
  let deadWindow = 0;
  let firesAt = 0;

  function armDeadTimer(window: number): void {
    const ms = Math.min(window, MAX_TIMER_MS); // longer delays overflow setTimeout and fire at once
    deadWindow = ms;
    deadline = Date.now() + ms;
    if (deadTimer !== undefined && firesAt <= deadline) return;
    globalThis.clearTimeout(deadTimer);
    scheduleDeadCheck(ms);
  }

  function scheduleDeadCheck(ms: number): void {
    firesAt = Date.now() + ms;
    deadTimer = globalThis.setTimeout(onDeadCheck, ms);
  }

  function onDeadCheck(): void {
    deadTimer = undefined;
    const left = deadline - Date.now();
    if (left > 0) {
      scheduleDeadCheck(left);
      return;
    }
    const error = ready
      ? new StateSyncWebSocketError(
          'heartbeat_timeout',
          `no message from the server for ${deadWindow} ms (2 × heartbeatMs): reconnecting`,
        )
      : new StateSyncWebSocketError(
          'timeout',
          `no hello from the server within ${deadWindow} ms: reconnecting`,
        );
    report(error);
    drop(4000, 'heartbeat timeout');
  }

  function scheduleReconnect(): void {
    if (status === 'closed' || retryTimer !== undefined) return;
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    attempt++;
    const delay = Math.round(exp * (1 - jitter * random()));
    retryTimer = globalThis.setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  function detach(ws: Socket): void {
    ws.onopen = ws.onmessage = null;
    ws.onclose = null;
    // Not null: `ws` throws an 'error' event nobody listens to (closing while still connecting).
    ws.onerror = () => {};
  }

  /** The current socket is gone (closed by the server, dead, or failed to open). */
  function drop(code?: number, reason?: string, byServer = false): void {
    const ws = socket;
    if (!ws) return;
    socket = undefined;
    ready = false;
    globalThis.clearTimeout(deadTimer);
    deadTimer = undefined;
    detach(ws);
    if (ws.readyState !== CLOSED) {
      try {
        ws.close(code === 4000 ? 4000 : 1000, reason);
      } catch {
        // already closing
      }
    }
    const problem = byServer ? closeProblem(code) : undefined;
    if (problem) {
      report(
        new StateSyncWebSocketError(
          problem,
          `the server closed the connection (${code}${reason ? `: ${reason}` : ''})`,
          { closeCode: code },
        ),
      );
    }
    // `get` is safe to send again on the next socket; a sent `mutate` may or may not have been
    // applied, so it fails rather than risk applying twice.
    for (const [id, request] of [...pending]) {
      if (request.kind === 'get') request.sent = false;
      else if (request.sent) {
        pending.delete(id);
        request.reject(
          new StateSyncWebSocketError(
            'disconnected',
            `the connection dropped before "${request.topic}"'s mutate was acknowledged; it may or may not have been applied`,
            { topic: request.topic },
          ),
        );
      }
    }
    if (status !== 'closed') {
      setStatus('reconnecting');
      scheduleReconnect();
    }
  }

  async function connect(): Promise<void> {
    if (status === 'closed' || socket || connecting) return;
    connecting = true;
    let url: string;
    let token: string | undefined;
    try {
      url = typeof options.url === 'function' ? await options.url() : options.url;
      token = typeof options.token === 'function' ? await options.token() : options.token;
    } catch (cause) {
      connecting = false;
      report(
        new StateSyncWebSocketError('invalid_argument', 'options.url or options.token threw', {
          cause,
        }),
      );
      if (!isClosed()) setStatus('reconnecting');
      scheduleReconnect();
      return;
    }
    connecting = false;
    if (isClosed() || socket) return;
    const Impl =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    let ws: Socket;
    try {
      if (!Impl)
        throw new TypeError(
          'no WebSocket implementation: pass options.WebSocket (e.g. `ws` in Node 20)',
        );
      ws = new Impl(url, options.protocols) as Socket;
    } catch (cause) {
      report(
        new StateSyncWebSocketError('invalid_argument', `could not open a WebSocket to ${url}`, {
          cause,
        }),
      );
      setStatus('reconnecting');
      scheduleReconnect();
      return;
    }
    if (opened) metrics.reconnects++;
    socket = ws;
    armDeadTimer(connectTimeoutMs);
    ws.onopen = () => {
      if (ws !== socket) return;
      send(token === undefined ? { type: 'auth' } : { type: 'auth', token });
    };
    ws.onmessage = (event) => {
      if (ws === socket) onFrame(event.data);
    };
    ws.onclose = (event) => {
      if (ws === socket) drop(event.code, event.reason, true);
    };
    ws.onerror = () => {}; // a close event always follows; the browser gives no detail here
  }

  // A function, not an inline check: status changes across the awaits in connect().
  function isClosed(): boolean {
    return status === 'closed';
  }

  function ensureConnected(): void {
    if (!socket && !connecting && retryTimer === undefined) void connect();
  }

  function onHello(hello: { epoch: string; heartbeatMs: number }): void {
    const reason: RefreshReason | undefined =
      epoch !== undefined && hello.epoch !== epoch
        ? 'epoch'
        : opened && !ready
          ? 'reconnect'
          : undefined;
    const first = !ready;
    epoch = hello.epoch;
    heartbeatMs = hello.heartbeatMs;
    ready = true;
    opened = true;
    attempt = 0;
    setStatus('open');
    if (first) {
      const topics = [...handlers.keys()];
      // The server takes at most 1,000 topics per message.
      for (let i = 0; i < topics.length; i += 500)
        send({ type: 'subscribe', topics: topics.slice(i, i + 500) });
      for (const request of pending.values()) {
        if (!request.sent) request.sent = send(request.frame);
      }
    }
    if (reason) resyncAll(reason);
  }

  function onFrame(data: unknown): void {
    metrics.framesReceived++;
    lastFrameAt = Date.now();
    armDeadTimer(ready ? 2 * heartbeatMs : connectTimeoutMs);
    const text = decode(data);
    const parsed = parseFrame(serverMessageSchemas, text);
    if (!parsed.ok) {
      metrics.invalidFrames++;
      report(new StateSyncWebSocketError('invalid_message', parsed.problem));
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        onHello(message);
        if (ready) armDeadTimer(2 * heartbeatMs);
        return;
      case 'invalidate': {
        const { topic, revision, epoch: e, sourceId } = message;
        deliver(
          topic,
          sourceId === undefined
            ? { topic, revision, epoch: e }
            : { topic, revision, epoch: e, sourceId },
        );
        return;
      }
      case 'beacon':
        for (const [topic, revision] of Object.entries(message.revisions)) {
          if (handlers.has(topic))
            deliver(topic, { topic, revision, epoch: message.epoch, reason: 'beacon' });
        }
        return;
      case 'snapshot':
      case 'ack': {
        const request = pending.get(message.id);
        const expected = message.type === 'snapshot' ? 'get' : 'mutate';
        if (
          request?.kind === expected &&
          (message.type === 'ack' || request.topic === message.topic)
        ) {
          pending.delete(message.id);
          request.resolve(message);
        }
        return; // a late reply to a request that timed out or was aborted
      }
      case 'error': {
        const request = message.id === undefined ? undefined : pending.get(message.id);
        const code = (WIRE_ERROR_CODES as readonly string[]).includes(message.code)
          ? (message.code as StateSyncWebSocketErrorCode)
          : 'server_error';
        const error = new StateSyncWebSocketError(
          code,
          `server: ${message.code}: ${message.message}`,
          {
            topic: message.topic ?? request?.topic,
          },
        );
        report(error);
        if (request && message.id !== undefined) {
          pending.delete(message.id);
          request.reject(error);
        }
      }
    }
  }

  function request(
    kind: Pending['kind'],
    topic: string,
    frame: (id: string) => ClientMessage,
    signal?: AbortSignal,
  ): Promise<ServerMessage> {
    if (status === 'closed')
      return Promise.reject(
        new StateSyncWebSocketError('closed', 'the client is closed', { topic }),
      );
    if (signal?.aborted)
      return Promise.reject(
        new StateSyncWebSocketError('aborted', `${kind} "${topic}" aborted`, {
          topic,
          cause: signal.reason,
        }),
      );
    const id = String(++nextId);
    return new Promise<ServerMessage>((resolve, reject) => {
      const finish = () => {
        globalThis.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        pending.delete(id);
      };
      const fail = (error: StateSyncWebSocketError) => {
        finish();
        reject(error);
      };
      const timer = globalThis.setTimeout(
        () =>
          fail(
            new StateSyncWebSocketError(
              'timeout',
              `no answer to ${kind} "${topic}" within ${requestTimeoutMs} ms`,
              { topic },
            ),
          ),
        requestTimeoutMs,
      );
      const onAbort = () =>
        fail(
          new StateSyncWebSocketError('aborted', `${kind} "${topic}" aborted`, {
            topic,
            cause: signal?.reason,
          }),
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      const entry: Pending = {
        kind,
        topic,
        frame: frame(id),
        sent: false,
        resolve: (message) => {
          finish();
          resolve(message);
        },
        reject: fail,
      };
      pending.set(id, entry);
      if (ready) entry.sent = send(entry.frame);
      ensureConnected();
    });
  }

  function assertTopic(topic: unknown): asserts topic is string {
    if (typeof topic !== 'string' || topic.trim() === '' || topic.length > 256) {
      throw new StateSyncWebSocketError(
        'invalid_argument',
        `topic ${JSON.stringify(String(topic).slice(0, 40))} must be a non-empty string of at most 256 characters`,
      );
    }
  }

  function attachBrowserEvents(): void {
    const win = typeof window === 'undefined' ? undefined : window;
    const doc = typeof document === 'undefined' ? undefined : document;
    if (!browserEvents || !win?.addEventListener) return;
    const wake = () => {
      if (status === 'closed') return;
      if (!ready) {
        // Skip the backoff: the network just came back or the user is looking.
        globalThis.clearTimeout(retryTimer);
        retryTimer = undefined;
        attempt = 0;
        ensureConnected();
      } else if (Date.now() - lastFrameAt > 2 * heartbeatMs) {
        drop(4000, 'silent while hidden'); // timers were throttled: the socket may be long dead
      } else {
        resyncAll('gap'); // anything may have been missed while hidden or offline
      }
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

  const client: SyncClient = {
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
            throw new StateSyncWebSocketError('closed', 'the client is closed', { topic });
          const wrapped: Handler = (event) => handler(event);
          let set = handlers.get(topic);
          if (!set) {
            set = new Set();
            handlers.set(topic, set);
            if (ready) send({ type: 'subscribe', topics: [topic] });
          }
          set.add(wrapped);
          ensureConnected();
          const mine = set;
          return () => {
            if (!mine.delete(wrapped) || mine.size > 0 || handlers.get(topic) !== mine) return;
            handlers.delete(topic);
            if (ready) send({ type: 'unsubscribe', topics: [topic] });
          };
        },
      };
    },
    provider<T>(topic: string): SnapshotProvider<T> {
      assertTopic(topic);
      return {
        async getSnapshot(context) {
          const message = await request(
            'get',
            topic,
            (id) => ({ type: 'get', id, topic }),
            context?.signal,
          );
          const {
            revision,
            epoch: e,
            data,
          } = message as Extract<ServerMessage, { type: 'snapshot' }>;
          return { revision, epoch: e, data } as SnapshotEnvelope<T>;
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
      // Started here. Until stop(), a later start() returns this same promise, so
      // `await handle.start()` still means "subscribed and first snapshot pulled".
      handle.start().catch(() => {}); // a failed start is reported through the engine's onError
      return handle;
    },
    async mutate(topic, op, mutateOptions = {}) {
      assertTopic(topic);
      const { baseRevision, signal } = mutateOptions;
      const ack = (await request(
        'mutate',
        topic,
        (id) =>
          baseRevision === undefined
            ? { type: 'mutate', id, topic, op }
            : { type: 'mutate', id, topic, op, baseRevision },
        signal,
      )) as Extract<ServerMessage, { type: 'ack' }>;
      return ack.revision === undefined ? {} : { revision: ack.revision };
    },
    listenerCount: () => [...handlers.values()].reduce((sum, set) => sum + set.size, 0),
    getMetrics: () => ({ ...metrics }),
    close() {
      if (status === 'closed') return Promise.resolve();
      setStatus('closed');
      statusListeners.clear();
      globalThis.clearTimeout(deadTimer);
      globalThis.clearTimeout(retryTimer);
      deadTimer = retryTimer = undefined;
      detachBrowser?.();
      detachBrowser = undefined;
      for (const request of [...pending.values()]) {
        request.reject(
          new StateSyncWebSocketError(
            'closed',
            `the client closed before "${request.topic}"'s ${request.kind} was answered`,
            { topic: request.topic },
          ),
        );
      }
      const ws = socket;
      socket = undefined;
      ready = false;
      if (!ws || ws.readyState === CLOSED) return Promise.resolve();
      detach(ws);
      // Resolves on the close handshake, or after 1 s if the server never answers it.
      return new Promise<void>((resolve) => {
        const done = () => {
          globalThis.clearTimeout(timer);
          ws.onclose = null;
          resolve();
        };
        const timer = globalThis.setTimeout(done, 1000);
        ws.onclose = done;
        try {
          ws.close(1000, 'client closed');
        } catch {
          done();
        }
      });
    },
  };

  attachBrowserEvents();
  void connect();
  return client;
}
