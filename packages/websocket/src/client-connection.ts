// The socket's lifecycle: open (async url/token first), `auth`, `hello`, drop, reconnect with
// backoff, close. One socket per client: `socket` is the only live one, `connecting` guards the
// async gap before it exists, and every socket callback checks it is still the current socket.
import type { RefreshReason } from '@state-sync/core';
import { createDeadTimer } from './client-heartbeat';
import type { ClientMetrics, ClientStatus, ResolvedClientOptions } from './client-options';
import { createBackoff } from './client-reconnect';
import {
  abandon,
  closeGracefully,
  listenForFrames,
  OPEN,
  onSocketClose,
  openError,
  openSocket,
  type Socket,
} from './client-socket';
import { createStatusCell } from './client-status';
import { StateSyncWebSocketError, type StateSyncWebSocketErrorCode } from './errors';
import {
  type ClientMessage,
  type HelloMessage,
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
} from './protocol';

export interface Connection {
  status(): ClientStatus;
  onStatus(listener: (status: ClientStatus) => void): () => void;
  isClosed(): boolean;
  /**
   * Sends once the current socket is ready (its `hello` received); false otherwise: whatever
   * is not sent now is sent after the next `hello`.
   */
  send(message: ClientMessage): boolean;
  /** Opens a socket unless one is open, opening, or an attempt is armed (also the first one). */
  ensureConnected(): void;
  /** The server's `hello` on the current socket. */
  hello(message: HelloMessage): void;
  /**
   * The network came back or the user looks at the page. Returns true when the socket is live
   * (the caller pulls every topic); otherwise it reconnects at once.
   */
  wake(): boolean;
  /** Closes for good: no more reconnects, the socket closed with 1000. */
  close(): Promise<void>;
  /** Where every frame of the current socket goes (client-frames.ts). Set before the first connect. */
  onFrames(intake: FrameIntake): void;
}

/**
 * Takes a socket's frames, and keeps when the last one came: in ms since `clock`, a small integer
 * kept in the object itself, where Date.now() (past 2^31) is a new heap number per frame.
 */
export interface FrameIntake {
  /** Given to the socket as its frame listener, as is: no forwarding function per frame. */
  readonly onData: (data: unknown, isBinary?: boolean) => void;
  readonly clock: number;
  lastFrameAt: number;
}

/** Close codes the server uses, turned into error codes for onError. */
function closeProblem(code: number | undefined): StateSyncWebSocketErrorCode | undefined {
  if (code === 4401 || code === 4408) return 'unauthorized';
  if (code === 4429) return 'rate_limited';
  if (code === 1009) return 'too_large';
  if (code === 1013) return 'too_many_connections';
  if (code === 1008 || (code !== undefined && code >= 4000 && code < 5000)) return 'server_error';
}

/** A close we did not ask for, as an error for onError: every drop is reported. */
function closeError(code = 1005, reason = ''): StateSyncWebSocketError {
  const problem = closeProblem(code);
  const what =
    code === 1009
      ? 'a message was too large (maxPayloadBytes here, maxMessageBytes on the server)'
      : `${problem ? 'the server closed' : 'lost'} the connection`;
  return new StateSyncWebSocketError(
    problem ?? 'disconnected',
    `${what} (${code}${reason ? `: ${reason}` : ''}): reconnecting`,
    { closeCode: code, closeReason: reason },
  );
}

function silenceError(ready: boolean, windowMs: number): StateSyncWebSocketError {
  return ready
    ? new StateSyncWebSocketError(
        'heartbeat_timeout',
        `no message from the server for ${windowMs} ms (2 × heartbeatMs): reconnecting`,
      )
    : new StateSyncWebSocketError(
        'timeout',
        `no hello from the server within ${windowMs} ms: reconnecting`,
      );
}

export function createConnection(
  options: ResolvedClientOptions,
  report: (error: StateSyncWebSocketError) => void,
  metrics: ClientMetrics,
  /** After each `hello`: `first` on a new socket, `reason` when every topic must pull. */
  onReady: (first: boolean, reason: RefreshReason | undefined) => void,
  /** The current socket is gone. */
  onDrop: () => void,
): Connection {
  const [status, setStatus, onStatus, clearStatusListeners] = createStatusCell(options.onStatus);
  let socket: Socket | undefined;
  /** Stops the current socket's frames reaching us. */
  let unlisten: () => void = () => {};
  let connecting = false;
  let ready = false; // `hello` received on the current socket
  let opened = false;
  let epoch: string | undefined;
  let heartbeatMs = 0;
  let frames: FrameIntake = { onData: () => {}, clock: Date.now(), lastFrameAt: 0 };
  const [scheduleRetry, cancelRetry, retryArmed, resetBackoff, connectedOnce] = createBackoff(
    options,
    () => {
      void connect();
    },
  );
  const [armDeadTimer, stopDeadTimer] = createDeadTimer(
    (windowMs) => {
      report(silenceError(ready, windowMs));
      drop(4000, 'heartbeat timeout');
    },
    () => frames.clock + frames.lastFrameAt,
  );

  // A function, not an inline check: status changes across the awaits in connect().
  function isClosed(): boolean {
    return status() === 'closed';
  }

  // `undefined` fields (a missing token or baseRevision) vanish in JSON.stringify.
  function sendNow(message: ClientMessage): boolean {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function retry(slowest?: boolean): void {
    if (isClosed()) return;
    setStatus('reconnecting');
    scheduleRetry(slowest);
  }

  /** The current socket is gone (closed by the server, dead, or failed to open). */
  function drop(code?: number, reason?: string, byServer = false): void {
    const ws = socket;
    if (!ws) return;
    socket = undefined;
    ready = false;
    stopDeadTimer();
    unlisten();
    abandon(ws, code === 4000 ? 4000 : 1000, reason);
    if (byServer) report(closeError(code, reason));
    onDrop();
    // A frame too large now is too large in 250 ms too, and a full server is not emptier: wait
    // the longest delay.
    retry(code === 1009 || code === 1013);
  }

  async function connect(): Promise<void> {
    if (isClosed() || socket || connecting) return;
    connecting = true;
    let ws: Socket;
    let token: string | undefined;
    try {
      // Awaited only when they are functions: with plain strings the socket opens synchronously.
      const url = typeof options.url === 'function' ? await options.url() : options.url;
      token = typeof options.token === 'function' ? await options.token() : options.token;
      connecting = false;
      if (isClosed() || socket) return;
      ws = openSocket(options, url);
    } catch (cause) {
      connecting = false;
      report(openError(cause));
      retry();
      return;
    }
    if (opened) metrics.reconnects++;
    socket = ws;
    frames.lastFrameAt = Date.now() - frames.clock; // the connect timeout counts from here
    armDeadTimer(options.connectTimeoutMs);
    ws.onopen = () => {
      // The features announced here make the server push deltas and small states (pushed-states.ts in @state-sync/protocol).
      if (ws === socket)
        sendNow(
          options.push === false
            ? { type: 'auth', token }
            : { type: 'auth', token, protocol: PROTOCOL_VERSION, features: [...PROTOCOL_FEATURES] },
        );
    };
    // Detached whenever this socket stops being the current one (drop, close): no late frame of
    // an old socket reaches the intake.
    unlisten = listenForFrames(ws, frames.onData);
    onSocketClose(ws, options.maxPayloadBytes, (code, reason) => {
      if (ws === socket) drop(code, reason, true);
    });
  }

  function ensureConnected(): void {
    if (!socket && !connecting && !retryArmed()) void connect();
  }

  function close(): Promise<void> {
    setStatus('closed');
    clearStatusListeners();
    stopDeadTimer();
    cancelRetry();
    const ws = socket;
    socket = undefined;
    ready = false;
    unlisten();
    return ws ? closeGracefully(ws) : Promise.resolve();
  }

  return {
    status,
    onStatus,
    isClosed,
    send: (message) => ready && sendNow(message),
    ensureConnected,
    hello(message) {
      const reason: RefreshReason | undefined =
        epoch !== undefined && message.epoch !== epoch
          ? 'epoch'
          : opened && !ready
            ? 'reconnect'
            : undefined;
      const first = !ready;
      epoch = message.epoch;
      heartbeatMs = message.heartbeatMs;
      ready = true;
      opened = true;
      connectedOnce();
      setStatus('open');
      onReady(first, reason);
      armDeadTimer(2 * heartbeatMs);
    },
    wake() {
      if (isClosed()) return false;
      if (!ready) {
        // Skip the backoff: the network just came back or the user is looking.
        cancelRetry();
        resetBackoff();
        ensureConnected();
        return false;
      }
      if (Date.now() - frames.clock - frames.lastFrameAt <= 2 * heartbeatMs) return true;
      // Timers were throttled while hidden: the socket may be long dead.
      report(silenceError(true, 2 * heartbeatMs));
      drop(4000, 'silent while hidden');
      return false;
    },
    close,
    onFrames(intake) {
      frames = intake;
    },
  };
}
