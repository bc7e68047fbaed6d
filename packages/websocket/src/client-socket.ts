// One WebSocket, whatever its implementation: opening it (url and token first), detaching our
// handlers from it, and closing it with or without waiting for the handshake.
import type { ResolvedClientOptions, WebSocketConstructor, WebSocketLike } from './client-options';
import { StateSyncWebSocketError } from './errors';

export type Socket = WebSocketLike & {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event?: { error?: { code?: unknown } }) => void) | null;
};

/** Node's `ws`: an EventEmitter whose 'message' event hands over the frame's bytes directly. */
type NodeWs = {
  on(event: 'message', listener: (data: unknown, isBinary?: boolean) => void): unknown;
  off(event: 'message', listener: (data: unknown, isBinary?: boolean) => void): unknown;
  terminate(): void;
};

const isNodeWs = (ws: object): ws is NodeWs =>
  typeof (ws as Partial<NodeWs>).on === 'function' &&
  typeof (ws as Partial<NodeWs>).off === 'function' &&
  typeof (ws as Partial<NodeWs>).terminate === 'function';

/**
 * Hands every frame's data to `onData` (client-frames.ts reads its text); returns what stops it. On
 * Node's `ws` `onData` is the 'message' listener itself: `onmessage` there wraps each frame in a
 * MessageEvent, and a forwarding function would be one more object per client that each frame
 * touches — costs a 1,000-client process pays a thousand times per change. Browsers (and undici)
 * use `onmessage`.
 */
export function listenForFrames(
  ws: Socket,
  onData: (data: unknown, isBinary?: boolean) => void,
): () => void {
  if (!isNodeWs(ws)) {
    ws.onmessage = (event) => onData(event.data);
    return () => {
      ws.onmessage = null;
    };
  }
  ws.on('message', onData);
  return () => void ws.off('message', onData);
}

export const OPEN = 1;
export const CLOSED = 3;

/** A new socket to `url`; throws `invalid_argument` when none can be made. */
export function openSocket(options: ResolvedClientOptions, url: string): Socket {
  const Impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  try {
    if (!Impl)
      throw new TypeError(
        'no WebSocket implementation: pass options.WebSocket (e.g. `ws` in Node 20)',
      );
    // A third argument is ignored by browsers and undici; `ws` takes its maxPayload there.
    const { maxPayloadBytes: maxPayload } = options;
    return new Impl(
      url,
      options.protocols,
      maxPayload === undefined ? undefined : { maxPayload },
    ) as Socket;
  } catch (cause) {
    throw new StateSyncWebSocketError('invalid_argument', `could not open a WebSocket to ${url}`, {
      cause,
    });
  }
}

/** Why a socket could not be opened: the url or token function threw, or the constructor did. */
export function openError(cause: unknown): StateSyncWebSocketError {
  return cause instanceof StateSyncWebSocketError
    ? cause
    : new StateSyncWebSocketError('invalid_argument', 'options.url or options.token threw', {
        cause,
      });
}

/**
 * Calls `onClose` with the close code and reason. `ws` (Node) closes with 1006 when a frame exceeds
 * its maxPayload and says why only in its error event: that close is passed on as 1009.
 */
export function onSocketClose(
  ws: Socket,
  maxPayloadBytes: number | undefined,
  onClose: (code?: number, reason?: string) => void,
): void {
  let tooLarge = false;
  ws.onerror = (event) => {
    // A close event always follows; browsers give no detail here.
    tooLarge ||= event?.error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
  };
  ws.onclose = (event) => {
    if (tooLarge) onClose(1009, `over ${maxPayloadBytes} bytes`);
    else onClose(event.code, event.reason);
  };
}

/** Our handlers stop hearing from `ws`: its late events cannot touch a newer socket. */
export function detach(ws: Socket): void {
  ws.onopen = ws.onmessage = null;
  ws.onclose = null;
  // Not null: `ws` throws an 'error' event nobody listens to (closing while still connecting).
  ws.onerror = () => {};
}

/** Detaches and closes without waiting. */
export function abandon(ws: Socket, code: number, reason?: string): void {
  detach(ws);
  if (ws.readyState === CLOSED) return;
  try {
    ws.close(code, reason);
  } catch {
    // already closing
  }
}

/** Closes with 1000; resolves on the close handshake, or after 1 s if the server never answers. */
export function closeGracefully(ws: Socket): Promise<void> {
  if (ws.readyState === CLOSED) return Promise.resolve();
  detach(ws);
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
}
