// Frames framed once for many sockets (prepared-frame.ts) on real `ws` sockets: what arrives is
// exactly what `ws.send` would have sent, in the order it was sent, whatever the frame's size
// class, also behind a frame ws is still compressing; and the fan-out frames a change once for
// all its subscribers.
import { createMemoryStore, createSource } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as wsModule from 'ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { PreparedFrame } from '../src/prepared-frame';
import { openStack } from './harness';
import { type RawClient, rawClient } from './raw-client';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const item of open.splice(0).reverse()) await item.close();
});

/** A bare ws server and one client of it: the server's socket to send on, the client's frames. */
async function socketPair(
  perMessageDeflate: boolean,
): Promise<{ server: WebSocket; client: RawClient }> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: perMessageDeflate ? { threshold: 0 } : false,
  });
  open.push({ close: () => new Promise((resolve) => wss.close(resolve)) });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const { port } = wss.address() as { port: number };
  const client = rawClient(`ws://127.0.0.1:${port}`, { perMessageDeflate });
  open.push({ close: () => client.ws.terminate() });
  await client.opened;
  const server = await accepted;
  open.push({ close: () => server.terminate() });
  return { server, client };
}

const frameOf = (n: number, pad: number) => JSON.stringify({ n, pad: 'é'.repeat(pad) });

describe('PreparedFrame', () => {
  it('arrives as the same text frame ws.send makes, in order with ws.send frames, for every length class', async () => {
    const { server, client } = await socketPair(false);
    // payloads of ≤125 bytes, 126…65,535 (16-bit length) and more (64-bit length), UTF-8 text
    const texts = [frameOf(1, 10), frameOf(2, 500), frameOf(3, 40_000), frameOf(4, 0)];
    const frameSpy = vi.spyOn(
      (wsModule as unknown as { Sender: { frame(): unknown } }).Sender,
      'frame',
    );
    const prepared = texts.map((text) => new PreparedFrame(text));
    expect(frameSpy).toHaveBeenCalledTimes(4);
    for (const [i, frame] of prepared.entries()) {
      expect(frame.length).toBe(Buffer.byteLength(texts[i]!));
      frame.sendTo(server);
      server.send(JSON.stringify(`plain ${i}`));
    }
    // framed once each: the sends above did not frame the prepared ones again
    expect(frameSpy).toHaveBeenCalledTimes(8);
    await vi.waitFor(() => expect(client.raw).toHaveLength(8));
    expect(client.raw).toStrictEqual(texts.flatMap((text, i) => [text, `"plain ${i}"`]));
    expect(client.binary.every((binary) => binary === false)).toBe(true);
  });

  it('waits behind a frame ws is still compressing (per-message deflate): the order holds', async () => {
    const { server, client } = await socketPair(true);
    expect(server.extensions).toContain('permessage-deflate');
    // ws compresses this one asynchronously; a frame written straight to the socket meanwhile
    // would overtake it
    const first = frameOf(1, 20_000);
    server.send(first);
    new PreparedFrame(frameOf(2, 10)).sendTo(server);
    server.send(frameOf(3, 10));
    await vi.waitFor(() => expect(client.raw).toHaveLength(3));
    expect(client.raw).toStrictEqual([first, frameOf(2, 10), frameOf(3, 10)]);
  });

  it('falls back to ws.send on a socket whose sender it does not know', () => {
    const sent: unknown[] = [];
    const socket = { send: (data: unknown, options: unknown) => sent.push([data, options]) };
    const frame = new PreparedFrame('{"a":1}');
    frame.sendTo(socket as unknown as WebSocket);
    expect(sent).toStrictEqual([[Buffer.from('{"a":1}'), { binary: false }]]);
  });
});

describe('fan-out with prepared frames', () => {
  it('frames each change once, however many clients get it, and every client gets it whole', async () => {
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    const stack = await openStack({ source });
    open.push(stack);
    const topic = source.topic<{ n: number }>('t');
    await topic.set({ n: 1 });
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const c = rawClient(stack.url);
        open.push({ close: () => c.ws.terminate() });
        await c.opened;
        c.send({ type: 'auth', protocol: 1, features: ['delta', 'inline', 'resume'] });
        await c.next((f) => f.type === 'hello');
        c.send({ type: 'subscribe', topics: ['t'] });
        c.send({ type: 'get', id: 'ready', topic: 't' });
        await c.next((f) => f.type === 'snapshot' && f.id === 'ready');
        return c;
      }),
    );
    const frameSpy = vi.spyOn(
      (wsModule as unknown as { Sender: { frame(): unknown } }).Sender,
      'frame',
    );
    await topic.set({ n: 2 });
    const frames = await Promise.all(clients.map((c) => c.next((f) => f.type === 'invalidate')));
    expect(frames).toStrictEqual(
      clients.map(() => ({
        type: 'invalidate',
        topic: 't',
        revision: '2',
        epoch: 'E',
        data: { n: 2 },
      })),
    );
    expect(frameSpy).toHaveBeenCalledTimes(1);
  });
});
