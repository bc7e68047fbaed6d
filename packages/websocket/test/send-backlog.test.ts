// The send backlog on a scripted socket: which frames carry a write callback, how a waiter is
// woken, and how progress is judged (in bytes written out, whatever the frames).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import type { StateSyncWebSocketError } from '../src/errors';
import { PreparedFrame } from '../src/prepared-frame';
import {
  type BacklogOwner,
  createSendBacklog,
  sendThroughBacklog,
  whenWritable,
} from '../src/send-backlog';
import type { ServerContext } from '../src/server-context';

const BOUND = 1000;
const PERIOD = 100;

/** A socket whose backlog the test moves: each frame adds its length and a 2-byte header. */
function scriptedSocket() {
  return {
    readyState: 1,
    bufferedAmount: 0,
    terminated: false,
    sent: [] as Array<{ frame: string | Buffer; options: unknown; callback?: () => void }>,
    send(frame: string | Buffer, options: unknown, callback?: () => void) {
      this.sent.push({ frame, options, callback });
      this.bufferedAmount += frame.length + 2;
    },
    terminate() {
      this.terminated = true;
      this.readyState = 3;
    },
  };
}

function setup() {
  const ws = scriptedSocket();
  const errors: StateSyncWebSocketError[] = [];
  const context = {
    options: { maxBufferedBytes: BOUND, slowConsumerMs: PERIOD },
    metrics: { slowConsumersDropped: 0 },
    report: (error: StateSyncWebSocketError) => errors.push(error),
  } as unknown as ServerContext<unknown>;
  const owner: BacklogOwner = {
    ws: ws as unknown as WebSocket,
    closed: false,
    backlog: createSendBacklog(),
  };
  const send = (frame: string | Buffer | PreparedFrame) =>
    sendThroughBacklog(context, owner, frame);
  return { ws, errors, context, owner, send };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('send backlog', () => {
  it('sends strings and shared Buffers as text frames, with no write callback while well under the bound', () => {
    const { ws, send } = setup();
    expect(send('a'.repeat(100))).toBe(true);
    expect(send(Buffer.from('b'.repeat(100)))).toBe(true);
    expect(ws.sent.map((s) => [s.options, s.callback])).toStrictEqual([
      [{ binary: false }, undefined],
      [{ binary: false }, undefined],
    ]);
  });

  it('a prepared frame goes to the idle sender framed, counted in payload bytes; near the bound it takes ws.send and the callback', () => {
    const { ws, owner, send } = setup();
    const framed: Buffer[][] = [];
    Object.assign(ws, {
      _sender: {
        _state: 0,
        sendFrame(list: Buffer[]) {
          framed.push(list);
          ws.bufferedAmount += list[0]!.length;
        },
      },
    });
    const small = new PreparedFrame(JSON.stringify('é'.repeat(200)));
    expect(send(small)).toBe(true);
    expect(owner.backlog.queued).toBe(402); // UTF-8 bytes (2 per é, and the quotes), not characters
    // one write of header + payload: a final text frame, 16-bit length
    expect(framed).toHaveLength(1);
    expect([...framed[0]![0]!.subarray(0, 4)]).toStrictEqual([0x81, 126, 0x01, 0x92]);
    expect(framed[0]![0]!.subarray(4)).toStrictEqual(small.payload);
    expect(send(new PreparedFrame(JSON.stringify('x'.repeat(600))))).toBe(true);
    expect(framed).toHaveLength(1);
    expect(ws.sent).toHaveLength(1);
    expect(ws.sent[0]!.frame).toBeInstanceOf(Buffer);
    expect(ws.sent[0]!.callback).toBeTypeOf('function');
  });

  it('the frame that takes the backlog over the bound carries the callback, which wakes writable() once the client read back under it', async () => {
    const { ws, context, owner, send } = setup();
    send('a'.repeat(900));
    send('b'.repeat(200));
    expect(ws.sent.map((s) => s.callback === undefined)).toStrictEqual([true, false]);
    let writable: boolean | undefined;
    void whenWritable(context, owner).then((ok) => {
      writable = ok;
    });
    ws.bufferedAmount = 0; // the client read everything
    ws.sent[1]!.callback!();
    await Promise.resolve();
    expect(writable).toBe(true);
  });

  it('gives a client that read part of its backlog another period, and drops one that read nothing', async () => {
    const { ws, errors, context, send } = setup();
    send('a'.repeat(1500)); // over the bound: judged from now
    ws.bufferedAmount -= 100; // the client read 100 bytes during the period
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(ws.terminated).toBe(false);
    send('b'.repeat(10)); // queued, not read: no progress
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(ws.terminated).toBe(true);
    expect(context.metrics.slowConsumersDropped).toBe(1);
    expect(errors.map((e) => e.code)).toStrictEqual(['slow_consumer']);
  });

  it('a waiter is woken by the judge when the backlog fell under the bound with no callback to tell', async () => {
    const { ws, context, owner } = setup();
    ws.bufferedAmount = BOUND + 50; // the socket's own frames (pings), none of ours
    let writable: boolean | undefined;
    void whenWritable(context, owner).then((ok) => {
      writable = ok;
    });
    ws.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(PERIOD);
    expect(writable).toBe(true);
    expect(ws.terminated).toBe(false);
  });
});
