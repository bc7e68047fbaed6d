// What a connection has not yet read, and when it is a slow consumer. A client is judged by a
// backlog that STAYS above maxBufferedBytes, not by one large frame in flight, so a reading client
// always receives a large state, and one that stops reading is dropped with its memory bounded:
// - snapshots (the large frames) are sent only while the backlog is at most maxBufferedBytes
//   (`writable()`), so at most one is in the backlog at a time;
// - pushes (invalidate, beacon, ack, error) queued while the backlog is above the bound may add
//   another maxBufferedBytes, past which the connection is dropped at once;
// - a backlog above the bound for slowConsumerMs with no frame written out meanwhile is dropped.
// Memory per connection is thus at most 2 × maxBufferedBytes + the largest snapshot frame.
import type { WebSocket } from 'ws';
import { StateSyncWebSocketError } from './errors';
import type { ServerContext } from './server-context';

export interface SendBacklog {
  /** Sends a frame unless closed; false when not sent (closed, or dropped as a slow consumer). */
  send(frame: string): boolean;
  /** Resolves true once the backlog is at most maxBufferedBytes, false if the socket closes first. */
  writable(): Promise<boolean>;
  /** The socket closed: stops the judge and releases every waiter. */
  release(): void;
}

const OPEN = 1;

export function createSendBacklog<P>(
  context: ServerContext<P>,
  ws: WebSocket,
  isClosed: () => boolean,
): SendBacklog {
  const { options, metrics } = context;
  const bound = options.maxBufferedBytes;
  let written = 0; // frames written out to the kernel: the client's progress
  let writtenWhenJudged = 0;
  let judge: ReturnType<typeof setTimeout> | undefined;
  let overflowBytes = 0; // pushes queued while the backlog was above the bound
  let waiters: Array<(ok: boolean) => void> = [];

  function settle(ok: boolean): void {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve(ok);
  }

  function stopJudging(): void {
    globalThis.clearTimeout(judge);
    judge = undefined;
    overflowBytes = 0;
  }

  function drop(why: string): void {
    stopJudging();
    metrics.slowConsumersDropped++;
    context.report(
      new StateSyncWebSocketError(
        'slow_consumer',
        `dropped a connection with ${ws.bufferedAmount} bytes unsent: ${why}`,
      ),
    );
    // No close frame: it would queue behind the very backlog that is the problem.
    ws.terminate();
    settle(false);
  }

  function startJudging(): void {
    writtenWhenJudged = written;
    judge = globalThis.setTimeout(() => {
      judge = undefined;
      if (isClosed() || ws.readyState !== OPEN) return;
      if (ws.bufferedAmount <= bound) return stopJudging();
      // Still above the bound: a client that read at least one frame meanwhile is given another
      // period (its memory is bounded anyway); one that read nothing has stopped reading.
      if (written > writtenWhenJudged) return startJudging();
      drop(
        `above maxBufferedBytes (${bound}) for slowConsumerMs (${options.slowConsumerMs}) without reading`,
      );
    }, options.slowConsumerMs);
  }

  function onWritten(): void {
    written++;
    if (ws.bufferedAmount > bound) return;
    stopJudging();
    settle(true);
  }

  return {
    send(frame) {
      if (isClosed() || ws.readyState !== OPEN) return false;
      if (ws.bufferedAmount > bound) {
        overflowBytes += Buffer.byteLength(frame);
        if (overflowBytes > bound) {
          drop(`another ${overflowBytes} bytes queued while above maxBufferedBytes (${bound})`);
          return false;
        }
      }
      ws.send(frame, onWritten);
      if (judge === undefined && ws.bufferedAmount > bound) startJudging();
      return true;
    },
    writable() {
      if (isClosed() || ws.readyState !== OPEN) return Promise.resolve(false);
      if (ws.bufferedAmount <= bound) return Promise.resolve(true);
      return new Promise((resolve) => waiters.push(resolve));
    },
    release() {
      stopJudging();
      settle(false);
    },
  };
}
