// Requests that expect an answer (`get` → `snapshot`, `mutate` → `ack`), matched by id, with a
// timeout, an AbortSignal, and what a drop means for each kind.
import type { Connection } from './client-connection';
import {
  StateSyncWebSocketError,
  type StateSyncWebSocketErrorCode,
  WIRE_ERROR_CODES,
} from './errors';
import type {
  AckMessage,
  ClientMessage,
  ErrorMessage,
  ServerMessage,
  SnapshotMessage,
} from './protocol';

type Kind = 'get' | 'mutate';
type Pending = {
  kind: Kind;
  topic: string;
  frame: ClientMessage;
  sent: boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: StateSyncWebSocketError) => void;
};

export interface Requests {
  /** Sends now if the connection is ready, else once it is; rejects on timeout or abort. */
  request(
    kind: Kind,
    topic: string,
    frame: (id: string) => ClientMessage,
    signal?: AbortSignal,
  ): Promise<ServerMessage>;
  /** A `snapshot` or `ack`: settles its request (a late reply to a finished one is ignored). */
  settle(message: SnapshotMessage | AckMessage): void;
  /** An `error` frame: reported, and rejects the request it answers, if any. */
  fail(message: ErrorMessage): void;
  /** After `hello`: sends every request not sent yet. */
  flush(): void;
  /** The socket dropped: a `get` is sent again later, a sent `mutate` fails. */
  dropped(): void;
  /** The client closed: every request rejects with `closed`. */
  closeAll(): void;
}

export function createRequests(
  connection: Connection,
  timeoutMs: number,
  report: (error: StateSyncWebSocketError) => void,
): Requests {
  const pending = new Map<string, Pending>();
  let nextId = 0;

  function request(
    kind: Kind,
    topic: string,
    frame: (id: string) => ClientMessage,
    signal?: AbortSignal,
  ): Promise<ServerMessage> {
    if (connection.isClosed())
      return Promise.reject(
        new StateSyncWebSocketError('closed', 'the client is closed', { topic }),
      );
    const aborted = () =>
      new StateSyncWebSocketError('aborted', `${kind} "${topic}" aborted`, {
        topic,
        cause: signal?.reason,
      });
    if (signal?.aborted) return Promise.reject(aborted());
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
              `no answer to ${kind} "${topic}" within ${timeoutMs} ms`,
              { topic },
            ),
          ),
        timeoutMs,
      );
      const onAbort = () => fail(aborted());
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
      entry.sent = connection.send(entry.frame);
      connection.ensureConnected();
    });
  }

  return {
    request,
    settle(message) {
      const entry = pending.get(message.id);
      const expected = message.type === 'snapshot' ? 'get' : 'mutate';
      if (entry?.kind === expected && (message.type === 'ack' || entry.topic === message.topic)) {
        pending.delete(message.id);
        entry.resolve(message);
      }
    },
    fail(message) {
      const entry = message.id === undefined ? undefined : pending.get(message.id);
      const code = (WIRE_ERROR_CODES as readonly string[]).includes(message.code)
        ? (message.code as StateSyncWebSocketErrorCode)
        : 'server_error';
      const error = new StateSyncWebSocketError(
        code,
        `server: ${message.code}: ${message.message}`,
        {
          topic: message.topic ?? entry?.topic,
          serverCode: message.code,
          serverMessage: message.message,
        },
      );
      report(error);
      if (entry && message.id !== undefined) {
        pending.delete(message.id);
        entry.reject(error);
      }
    },
    flush() {
      for (const entry of pending.values()) {
        if (!entry.sent) entry.sent = connection.send(entry.frame);
      }
    },
    dropped() {
      // `get` is safe to send again on the next socket; a sent `mutate` may or may not have been
      // applied, so it fails rather than risk applying twice.
      for (const [id, entry] of [...pending]) {
        if (entry.kind === 'get') entry.sent = false;
        else if (entry.sent) {
          pending.delete(id);
          entry.reject(
            new StateSyncWebSocketError(
              'disconnected',
              `the connection dropped before "${entry.topic}"'s mutate was acknowledged; it may or may not have been applied`,
              { topic: entry.topic },
            ),
          );
        }
      }
    },
    closeAll() {
      for (const entry of [...pending.values()]) {
        entry.reject(
          new StateSyncWebSocketError(
            'closed',
            `the client closed before "${entry.topic}"'s ${entry.kind} was answered`,
            { topic: entry.topic },
          ),
        );
      }
    },
  };
}
