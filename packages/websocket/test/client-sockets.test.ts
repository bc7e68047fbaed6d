// The client against real sockets on 127.0.0.1: drops the server causes, seen through onError.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createSyncClient, StateSyncWebSocketError } from '../src/index';
import { HOST, openStack, type Stack } from './harness';
import { rawClient } from './raw-client';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function stack(): Promise<Stack> {
  const s = await openStack();
  stacks.push(s);
  return s;
}

describe('drops through a real socket', () => {
  it('a connection the server destroys (1006) reaches onError, then the client reconnects', async () => {
    const s = await stack();
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(s.server.connections()).toHaveLength(1));
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    s.server.connections()[0]!.terminate();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'disconnected', closeCode: 1006 });
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    expect(client.getMetrics().reconnects).toBe(1);
  });

  it('a server shutdown reaches onError with 1001 and the reason given to close()', async () => {
    const s = await stack();
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    await s.restart();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toMatchObject({
      code: 'disconnected',
      closeCode: 1001,
      closeReason: 'restart',
    });
  });
});

describe('reconnect storm', () => {
  it('against a server that drops every connection after hello: at most a dozen attempts in 10 s, each drop reported', async () => {
    // A bare `ws` server: answers `auth` with `hello`, then destroys the socket (the client sees 1006).
    const wss = new WebSocketServer({ port: 0, host: HOST });
    await once(wss, 'listening');
    let connections = 0;
    wss.on('connection', (ws) => {
      connections++;
      ws.once('message', () => {
        ws.send(JSON.stringify({ type: 'hello', protocol: 1, epoch: 'e1', heartbeatMs: 30_000 }));
        setImmediate(() => ws.terminate());
      });
    });
    const errors: StateSyncWebSocketError[] = [];
    // Default backoff options: the claim is about what every user gets.
    const client = createSyncClient({
      url: `ws://${HOST}:${(wss.address() as AddressInfo).port}`,
      WebSocket,
      browserEvents: false,
      onError: (error) => errors.push(error),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      expect(connections).toBeGreaterThanOrEqual(3);
      expect(connections).toBeLessThanOrEqual(12);
      const drops = errors.filter((e) => e.code === 'disconnected');
      expect(drops.length).toBeGreaterThanOrEqual(connections - 1);
      expect(drops.every((e) => e.closeCode === 1006)).toBe(true);
    } finally {
      await client.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  }, 20_000);
});

describe('frames over maxPayloadBytes', () => {
  it('a state larger than the client limit is reported as too_large (1009); under the limit it arrives', async () => {
    const s = await stack();
    const big = { blob: 'x'.repeat(200_000) };
    await s.source.topic('big').set(big);
    const errors: StateSyncWebSocketError[] = [];
    const small = s.client({
      maxPayloadBytes: 64 * 1024,
      reconnect: { baseDelayMs: 10, maxDelayMs: 60_000 },
      onError: (error) => errors.push(error),
    });
    const applied: unknown[] = [];
    small.sync('big', { applier: ({ data }) => void applied.push(data) });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toMatchObject({ code: 'too_large', closeCode: 1009 });
    expect(applied).toEqual([]);
    expect(small.status()).toBe('reconnecting');

    const roomy = s.client({ maxPayloadBytes: 1024 * 1024 });
    const got: unknown[] = [];
    const handle = roomy.sync('big', { applier: ({ data }) => void got.push(data) });
    await handle.start();
    expect(got).toEqual([big]);
  });
});

describe('topic __proto__ through a real server', () => {
  it('is refused clearly on both ends: the client throws invalid_topic, the server answers invalid_topic', async () => {
    const s = await stack();
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ onError: (error) => errors.push(error) });
    expect(() => client.sync('__proto__', { applier: () => {} })).toThrow(
      expect.objectContaining({ code: 'invalid_topic' }),
    );
    await expect(client.mutateOp('__proto__', { type: 'x' })).rejects.toMatchObject({
      code: 'invalid_topic',
    });
    // A peer that ignores the rule (not our client) is refused by the server with the same code.
    const raw = rawClient(s.url);
    try {
      await raw.opened;
      raw.send({ type: 'auth' });
      await raw.next((f) => f.type === 'hello');
      raw.send({ type: 'subscribe', topics: ['__proto__'] });
      raw.send({ type: 'get', id: 'g1', topic: '__proto__' });
      const refusal = await raw.next((f) => f.type === 'error' && f.id === 'g1');
      expect(refusal).toMatchObject({ code: 'invalid_topic' });
    } finally {
      raw.ws.terminate();
    }
    // The client is unharmed: a normal topic next to it syncs.
    await s.source.topic('board').set({ n: 1 });
    const got: unknown[] = [];
    await client.sync('board', { applier: ({ data }) => void got.push(data) }).start();
    expect(got).toEqual([{ n: 1 }]);
    expect(errors).toEqual([]);
  });
});

describe('server error messages through a real server', () => {
  it('what onMutate throws reaches mutate() as serverCode / serverMessage, unprefixed; other throws stay on the server', async () => {
    const s = await openStack({
      onMutate: ({ op }) => {
        if ((op as { type?: string }).type === 'move')
          throw new StateSyncWebSocketError('conflict', 'Someone else edited this board');
        throw new Error('database password is hunter2');
      },
    });
    stacks.push(s);
    const client = s.client();
    await expect(client.mutateOp('board', { type: 'move' })).rejects.toMatchObject({
      code: 'conflict',
      serverCode: 'conflict',
      serverMessage: 'Someone else edited this board',
    });
    await expect(client.mutateOp('board', { type: 'other' })).rejects.toMatchObject({
      code: 'internal',
      serverCode: 'internal',
      serverMessage: 'mutation failed',
    });
  });
});

describe("Node's ws", () => {
  it("hands frames over through its 'message' event, not onmessage, and the listener leaves with the socket", async () => {
    const s = await stack();
    const sockets: WebSocket[] = [];
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    await s.source.topic('t').set({ text: 'é 1' });
    const client = s.client({ WebSocket: Recorded as never });
    const seen: unknown[] = [];
    const handle = client.sync<{ text: string }>('t', { applier: ({ data }) => seen.push(data) });
    await handle.start();
    await s.source.topic('t').set({ text: '✓ 2' });
    await vi.waitFor(() => expect(seen).toEqual([{ text: 'é 1' }, { text: '✓ 2' }]));
    const ws = sockets[0]!;
    expect(ws.onmessage).toBeNull(); // no MessageEvent per frame
    expect(ws.listenerCount('message')).toBe(1);
    handle.stop();
    await client.close();
    expect(ws.listenerCount('message')).toBe(0);
  });
});
