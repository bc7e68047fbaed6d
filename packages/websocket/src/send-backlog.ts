// What a connection has not yet read, and when it is a slow consumer. A client is judged by a
// backlog that STAYS above maxBufferedBytes, not by one large frame in flight, so a reading client
// always receives a large state, and one that stops reading is dropped with its memory bounded:
// - snapshots (the large frames) are sent only while the backlog is at most maxBufferedBytes
//   (`whenWritable`), so at most one is in the backlog at a time;
// - pushes (invalidate, beacon, ack, error) queued while the backlog is above the bound may add
//   another maxBufferedBytes, past which the connection is dropped at once;
// - a backlog above the bound for slowConsumerMs with no frame written out meanwhile is dropped.
// Memory per connection is thus at most 2 × maxBufferedBytes + the largest snapshot frame.
// The state is plain data on the connection and these are plain functions: no closure per
// connection beyond the one write callback (memory per idle connection is measured in bench/).
// The write callback rides only on frames sent near or above the bound: a reading client's frames
// (nearly all of them) carry none, so a fan-out to thousands adds no per-frame callback.
// Progress (did the client read?) is measured in bytes: queued minus still unsent.
import type { WebSocket } from 'ws';
import { StateSyncWebSocketError } from './errors';
import { PreparedFrame, TEXT } from './prepared-frame';
import type { ServerContext } from './server-context';

export interface SendBacklog {
  /**
   * Length of every frame handed to `ws.send` (string length for strings, as the socket's own
   * buffer counts them): minus `bufferedAmount`, what went out to the kernel, the client's progress.
   */
  queued: number;
  writtenWhenJudged: number;
  judge: ReturnType<typeof setTimeout> | undefined;
  /** Bytes of pushes queued while the backlog was above the bound. */
  overflowBytes: number;
  waiters: Array<(ok: boolean) => void> | undefined;
  /** The write callback of this connection, made on its first send. */
  onWritten: (() => void) | undefined;
}

/** What the backlog needs of a connection. */
export interface BacklogOwner {
  readonly ws: WebSocket;
  readonly closed: boolean;
  readonly backlog: SendBacklog;
}

const OPEN = 1;

export function createSendBacklog(): SendBacklog {
  return {
    queued: 0,
    writtenWhenJudged: 0,
    judge: undefined,
    overflowBytes: 0,
    waiters: undefined,
    onWritten: undefined,
  };
}

function settle(backlog: SendBacklog, ok: boolean): void {
  const pending = backlog.waiters;
  backlog.waiters = undefined;
  for (const resolve of pending ?? []) resolve(ok);
}

function stopJudging(backlog: SendBacklog): void {
  globalThis.clearTimeout(backlog.judge);
  backlog.judge = undefined;
  backlog.overflowBytes = 0;
}

function drop<P>(context: ServerContext<P>, owner: BacklogOwner, why: string): void {
  stopJudging(owner.backlog);
  context.metrics.slowConsumersDropped++;
  context.report(
    new StateSyncWebSocketError(
      'slow_consumer',
      `dropped a connection with ${owner.ws.bufferedAmount} bytes unsent: ${why}`,
    ),
  );
  // No close frame: it would queue behind the very backlog that is the problem.
  owner.ws.terminate();
  settle(owner.backlog, false);
}

/** Bytes written out to the kernel so far (frame headers still queued count against it). */
const written = (owner: BacklogOwner) => owner.backlog.queued - owner.ws.bufferedAmount;

function startJudging<P>(context: ServerContext<P>, owner: BacklogOwner): void {
  const { backlog, ws } = owner;
  const { maxBufferedBytes, slowConsumerMs } = context.options;
  backlog.writtenWhenJudged = written(owner);
  backlog.judge = globalThis.setTimeout(() => {
    backlog.judge = undefined;
    if (owner.closed || ws.readyState !== OPEN) return;
    if (ws.bufferedAmount <= maxBufferedBytes) {
      stopJudging(backlog);
      return settle(backlog, true);
    }
    // Still above the bound: a client that read anything meanwhile is given another period (its
    // memory is bounded anyway); one that read nothing has stopped reading.
    if (written(owner) > backlog.writtenWhenJudged) return startJudging(context, owner);
    drop(
      context,
      owner,
      `above maxBufferedBytes (${maxBufferedBytes}) for slowConsumerMs (${slowConsumerMs}) without reading`,
    );
  }, slowConsumerMs);
}

// More than the header `ws` puts before a server frame (at most 10 bytes).
const HEADER_MARGIN = 64;

/**
 * Sends a frame (text; a Buffer holds its UTF-8, a PreparedFrame is framed once for many sockets)
 * unless closed; false when not sent (closed, or dropped as a slow consumer).
 */
export function sendThroughBacklog<P>(
  context: ServerContext<P>,
  owner: BacklogOwner,
  frame: string | Buffer | PreparedFrame,
): boolean {
  const { backlog, ws } = owner;
  const bound = context.options.maxBufferedBytes;
  if (owner.closed || ws.readyState !== OPEN) return false;
  const buffered = ws.bufferedAmount;
  if (buffered > bound) {
    backlog.overflowBytes += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    if (backlog.overflowBytes > bound) {
      drop(
        context,
        owner,
        `another ${backlog.overflowBytes} bytes queued while above maxBufferedBytes (${bound})`,
      );
      return false;
    }
  }
  backlog.queued += frame.length;
  // Whenever the backlog is above the bound, the last frame queued carries the callback: it
  // wakes the waiters (whenWritable) once the client has read its way back under the bound.
  if (buffered + frame.length + HEADER_MARGIN <= bound) {
    if (frame instanceof PreparedFrame) frame.sendTo(ws);
    else ws.send(frame, TEXT);
  } else {
    backlog.onWritten ??= () => {
      if (ws.bufferedAmount > bound) return;
      stopJudging(backlog);
      settle(backlog, true);
    };
    ws.send(frame instanceof PreparedFrame ? frame.payload : frame, TEXT, backlog.onWritten);
    if (backlog.judge === undefined && ws.bufferedAmount > bound) startJudging(context, owner);
  }
  return true;
}

/** Resolves true once the backlog is at most maxBufferedBytes, false if the socket closes first. */
export function whenWritable<P>(context: ServerContext<P>, owner: BacklogOwner): Promise<boolean> {
  const { ws } = owner;
  if (owner.closed || ws.readyState !== OPEN) return Promise.resolve(false);
  if (ws.bufferedAmount <= context.options.maxBufferedBytes) return Promise.resolve(true);
  // The judge wakes the waiters too, should the socket's own frames (pings) have taken the
  // backlog above the bound with no frame of ours carrying the callback.
  if (owner.backlog.judge === undefined) startJudging(context, owner);
  return new Promise((resolve) => {
    owner.backlog.waiters ??= [];
    owner.backlog.waiters.push(resolve);
  });
}

/** The socket closed: stops the judge and releases every waiter. */
export function releaseBacklog(backlog: SendBacklog): void {
  stopJudging(backlog);
  settle(backlog, false);
}
