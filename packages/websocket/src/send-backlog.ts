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
import type { WebSocket } from 'ws';
import { StateSyncWebSocketError } from './errors';
import type { ServerContext } from './server-context';

export interface SendBacklog {
  /** Frames written out to the kernel: the client's progress. */
  written: number;
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
    written: 0,
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

function startJudging<P>(context: ServerContext<P>, owner: BacklogOwner): void {
  const { backlog, ws } = owner;
  const { maxBufferedBytes, slowConsumerMs } = context.options;
  backlog.writtenWhenJudged = backlog.written;
  backlog.judge = globalThis.setTimeout(() => {
    backlog.judge = undefined;
    if (owner.closed || ws.readyState !== OPEN) return;
    if (ws.bufferedAmount <= maxBufferedBytes) return stopJudging(backlog);
    // Still above the bound: a client that read at least one frame meanwhile is given another
    // period (its memory is bounded anyway); one that read nothing has stopped reading.
    if (backlog.written > backlog.writtenWhenJudged) return startJudging(context, owner);
    drop(
      context,
      owner,
      `above maxBufferedBytes (${maxBufferedBytes}) for slowConsumerMs (${slowConsumerMs}) without reading`,
    );
  }, slowConsumerMs);
}

/** Sends a frame unless closed; false when not sent (closed, or dropped as a slow consumer). */
export function sendThroughBacklog<P>(
  context: ServerContext<P>,
  owner: BacklogOwner,
  frame: string,
): boolean {
  const { backlog, ws } = owner;
  const bound = context.options.maxBufferedBytes;
  if (owner.closed || ws.readyState !== OPEN) return false;
  if (ws.bufferedAmount > bound) {
    backlog.overflowBytes += Buffer.byteLength(frame);
    if (backlog.overflowBytes > bound) {
      drop(
        context,
        owner,
        `another ${backlog.overflowBytes} bytes queued while above maxBufferedBytes (${bound})`,
      );
      return false;
    }
  }
  backlog.onWritten ??= () => {
    backlog.written++;
    if (ws.bufferedAmount > bound) return;
    stopJudging(backlog);
    settle(backlog, true);
  };
  ws.send(frame, backlog.onWritten);
  if (backlog.judge === undefined && ws.bufferedAmount > bound) startJudging(context, owner);
  return true;
}

/** Resolves true once the backlog is at most maxBufferedBytes, false if the socket closes first. */
export function whenWritable<P>(context: ServerContext<P>, owner: BacklogOwner): Promise<boolean> {
  const { ws } = owner;
  if (owner.closed || ws.readyState !== OPEN) return Promise.resolve(false);
  if (ws.bufferedAmount <= context.options.maxBufferedBytes) return Promise.resolve(true);
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
