// The server over real sockets on 127.0.0.1: security rules, limits, fan-out, recovery, shutdown.
import { createServer } from 'node:http';
import { createSource } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type StateSyncWebSocketError, StateSyncWebSocketError as WsError } from '../src/index';
import { createSyncServer, type SyncServerOptions } from '../src/server';
import { HOST, openStack, type Stack } from './harness';
import { type RawClient, rawClient } from './raw-client';

const open: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function stack(options: Partial<SyncServerOptions> = {}): Promise<Stack> {
  const s = await openStack(options);
  open.push(s);
  return s;
}

async function raw(
  s: Stack,
  path = '',
  options: Parameters<typeof rawClient>[1] = {},
): Promise<RawClient> {
  const client = rawClient(`${s.url}${path}`, options);
  open.push({ close: () => client.ws.terminate() });
  await client.opened;
  return client;
}

/** A raw client that is past the handshake (auth sent, hello received). */
async function ready(s: Stack, token?: string): Promise<RawClient> {
  const client = await raw(s);
  client.send(token === undefined ? { type: 'auth' } : { type: 'auth', token });
  await client.next((f) => f.type === 'hello');
  return client;
}

const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

describe('options', () => {
  it('rejects options that cannot work with invalid_argument', async () => {
    const source = createSource();
    await expect(createSyncServer({ source, beaconMs: 0 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(createSyncServer({ source, beaconMs: 2 ** 31 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(createSyncServer({ source: {} as never })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe('hello', () => {
  it('sends hello with the protocol, the source epoch, the heartbeat (= beaconMs) and its features', async () => {
    const s = await stack({ beaconMs: 12_345 });
    const client = await raw(s);
    const hello = await client.next((f) => f.type === 'hello');
    expect(hello).toEqual({
      type: 'hello',
      protocol: 1,
      epoch: await s.source.getEpoch(),
      heartbeatMs: 12_345,
      features: ['delta', 'inline', 'resume'],
    });
  });
});

describe('authentication', () => {
  const users: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };
  const authenticate: SyncServerOptions['authenticate'] = (request, first) => {
    const token =
      first?.token ?? new URL(request.url ?? '/', 'http://x').searchParams.get('token') ?? '';
    const user = users[token];
    if (!user) throw new WsError('unauthorized', token ? 'unknown token' : 'missing token');
    return user;
  };

  it('closes a connection without a token with 4401 and its reason; it never sees hello or data', async () => {
    const s = await stack({ authenticate });
    await s.source.topic('room:alice').set({ secret: 'alice-secret' });
    const client = await raw(s);
    client.send({ type: 'auth' });
    client.send({ type: 'get', id: '1', topic: 'room:alice' });
    expect(await client.closed).toEqual({ code: 4401, reason: 'missing token' });
    expect(client.raw).toEqual([]);
    expect(s.server.getMetrics().rejected).toBe(1);
  });

  it('our client with a bad token reports unauthorized and never opens', async () => {
    const s = await stack({ authenticate });
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ token: 'stolen', onError: (error) => errors.push(error) });
    await eventually(() => expect(errors.map((e) => e.code)).toContain('unauthorized'));
    expect(client.status()).not.toBe('open');
    expect(errors.find((e) => e.code === 'unauthorized')?.closeCode).toBe(4401);
  });

  it('accepts a token from the first message or from the URL', async () => {
    const s = await stack({ authenticate });
    const byMessage = await ready(s, 'alice-token');
    expect(byMessage.ofType('hello')).toHaveLength(1);
    const byUrl = await raw(s, '/?token=bob-token');
    byUrl.send({ type: 'subscribe', topics: ['x'] }); // a first message that is not auth
    await byUrl.next((f) => f.type === 'hello');
    expect(
      s.server
        .connections()
        .map((c) => c.principal)
        .sort(),
    ).toEqual(['alice', 'bob']);
    await eventually(() =>
      expect(
        s.server
          .connections()
          .find((c) => c.principal === 'bob')
          ?.topics.has('x'),
      ).toBe(true),
    );
  });

  it('closes a connection that sends nothing within authTimeoutMs with 4408', async () => {
    const s = await stack({ authenticate, authTimeoutMs: 50 });
    const client = await raw(s);
    expect((await client.closed).code).toBe(4408);
  });

  it('uses the close code of a StateSyncWebSocketError thrown by authenticate', async () => {
    const s = await stack({
      authenticate: () => {
        throw new WsError('unauthorized', 'banned', { closeCode: 4403 });
      },
    });
    const client = await raw(s);
    client.send({ type: 'auth', token: 'x' });
    expect(await client.closed).toEqual({ code: 4403, reason: 'banned' });
  });

  it('refuses the upgrade (403) from an Origin that is not allowed', async () => {
    const s = await stack({ allowedOrigins: ['http://good.test'] });
    await expect(raw(s, '', { origin: 'http://evil.test' })).rejects.toThrow('HTTP 403');
    await expect(raw(s)).rejects.toThrow('HTTP 403'); // no Origin at all
    await expect(raw(s, '', { origin: 'http://good.test' })).resolves.toBeDefined();
  });
});

describe('authorization', () => {
  const options: Partial<SyncServerOptions> = {
    authenticate: (_request, first) => {
      if (first?.token === 'alice' || first?.token === 'bob') return first.token;
      throw new WsError('unauthorized', 'who are you');
    },
    authorize: (principal, topic) => topic === `room:${principal}`,
  };

  it("answers forbidden for another user's room and never lets its data reach the socket", async () => {
    const s = await stack(options);
    const alice = s.source.topic('room:alice');
    await alice.set({ secret: 'alice-secret-1' });
    await s.source.topic('room:bob').set({ mine: 'bob-data' });
    const bob = await ready(s, 'bob');
    bob.send({ type: 'subscribe', topics: ['room:alice', 'room:bob'] });
    bob.send({ type: 'get', id: 'g1', topic: 'room:alice' });
    bob.send({ type: 'get', id: 'g2', topic: 'room:bob' });
    bob.send({ type: 'mutate', id: 'm1', topic: 'room:alice', op: {} });
    expect(await bob.next((f) => f.id === 'g1')).toMatchObject({
      type: 'error',
      code: 'forbidden',
      topic: 'room:alice',
    });
    expect(await bob.next((f) => f.type === 'error' && f.id === undefined)).toMatchObject({
      code: 'forbidden',
      topic: 'room:alice',
    });
    expect(await bob.next((f) => f.id === 'g2')).toMatchObject({
      type: 'snapshot',
      data: { mine: 'bob-data' },
    });
    await alice.set({ secret: 'alice-secret-2' });
    await s.source.topic('room:bob').set({ mine: 'bob-data-2' });
    await bob.next((f) => f.type === 'invalidate' && f.topic === 'room:bob');
    expect(bob.raw.filter((frame) => frame.includes('alice-secret'))).toEqual([]);
    expect(bob.frames.filter((f) => f.type === 'invalidate').map((f) => f.topic)).toEqual([
      'room:bob',
    ]);
    expect(s.server.connections()[0]?.topics).toEqual(new Set(['room:bob']));
  });

  it('with our client: the engine for a forbidden topic fails its fetch, the allowed one syncs', async () => {
    const s = await stack(options);
    await s.source.topic('room:alice').set({ secret: 'alice-secret' });
    await s.source.topic('room:bob').set({ n: 1 });
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ token: 'bob', onError: (error) => errors.push(error) });
    const seen: unknown[] = [];
    const engineErrors: unknown[] = [];
    const stolen = client.sync('room:alice', {
      applier: (e) => void seen.push(e.data),
      onError: (c) => engineErrors.push(c),
    });
    const mine = client.sync('room:bob', { applier: (e) => void seen.push(e.data) });
    await mine.start();
    await stolen.start();
    await eventually(() => expect(stolen.getStatus()).toBe('error'));
    expect(seen).toEqual([{ n: 1 }]);
    expect(engineErrors).toMatchObject([
      { phase: 'getSnapshot', error: { cause: { code: 'forbidden' } } },
    ]);
    expect(errors.map((e) => [e.code, e.topic])).toContainEqual(['forbidden', 'room:alice']);
    stolen.stop();
    mine.stop();
  });
});

describe('limits', () => {
  it('answers a 65 KiB message with too_large and keeps the connection', async () => {
    const s = await stack();
    await s.source.topic('t').set({ n: 1 });
    const client = await ready(s);
    client.send({ type: 'get', id: 'big', topic: 't', pad: 'x'.repeat(65 * 1024) });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'too_large' });
    client.send({ type: 'get', id: 'small', topic: 't' });
    expect(await client.next((f) => f.id === 'small')).toMatchObject({
      type: 'snapshot',
      data: { n: 1 },
    });
    expect(s.server.getMetrics().tooLarge).toBe(1);
  });

  it('closes the connection with 1009 past the hard cap (1 MiB by default)', async () => {
    const s = await stack();
    const client = await ready(s);
    client.send('x'.repeat(1024 * 1024 + 1));
    expect((await client.closed).code).toBe(1009);
  });

  it('answers malformed messages with bad_request and keeps the connection', async () => {
    const s = await stack();
    const client = await ready(s);
    for (const frame of [
      'not json',
      '42',
      '{"type":"nope"}',
      '{"type":"get","id":"1"}',
      '{"type":"subscribe","topics":[""]}',
    ]) {
      client.send(frame);
    }
    await eventually(() => expect(client.ofType('error')).toHaveLength(5));
    expect(client.ofType('error').map((f) => f.code)).toEqual([
      ...Array(4).fill('bad_request'),
      'invalid_topic', // the topic rule has its own code
    ]);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await eventually(() => expect(client.ofType('error')).toHaveLength(6));
    expect(s.server.getMetrics().badMessages).toBe(6);
    expect(client.ws.readyState).toBe(1);
  });

  it('rate limits a flood per connection: requests beyond the bucket get rate_limited', async () => {
    const s = await stack({ rateLimit: { burst: 10, perSecond: 1 } });
    await s.source.topic('t').set({ n: 1 });
    const client = await ready(s);
    for (let i = 0; i < 50; i++) client.send({ type: 'get', id: `g${i}`, topic: 't' });
    for (let i = 0; i < 20; i++) client.send({ type: 'subscribe', topics: ['t'] });
    await eventually(() =>
      expect(
        client.ofType('snapshot').length + client.ofType('error').length,
      ).toBeGreaterThanOrEqual(50),
    );
    const limited = client.ofType('error').filter((f) => f.code === 'rate_limited');
    // 10 at once, plus at most a couple refilled while the flood arrives (1 per second).
    expect(client.ofType('snapshot').length).toBeLessThanOrEqual(12);
    expect(limited.filter((f) => f.id !== undefined).length).toBeGreaterThanOrEqual(38);
    // Messages without an id are answered at most once per second, not once each.
    expect(limited.filter((f) => f.id === undefined).length).toBeLessThanOrEqual(2);
    expect(s.server.getMetrics().rateLimited).toBeGreaterThanOrEqual(57);
    expect(client.ws.readyState).toBe(1);
  });
});

describe('fan-out', () => {
  it('sends a change only to connections subscribed to its topic', async () => {
    const s = await stack();
    const a = await ready(s);
    const b = await ready(s);
    a.send({ type: 'subscribe', topics: ['x'] });
    b.send({ type: 'subscribe', topics: ['y'] });
    await eventually(() => expect(s.server.watchedTopics().sort()).toEqual(['x', 'y']));
    await s.source.topic('x').set(1, { sourceId: 'tab-1' });
    const invalidate = await a.next((f) => f.type === 'invalidate');
    expect(invalidate).toEqual({
      type: 'invalidate',
      topic: 'x',
      revision: '1',
      epoch: await s.source.getEpoch(),
      sourceId: 'tab-1',
    });
    await s.source.topic('y').set(1);
    await b.next((f) => f.type === 'invalidate');
    expect(b.ofType('invalidate').map((f) => f.topic)).toEqual(['y']);
    expect(a.ofType('invalidate').map((f) => f.topic)).toEqual(['x']);
  });

  it('attaches one source listener per watched topic and releases it when no connection wants it', async () => {
    const s = await stack();
    const baseline = s.source.listenerCount();
    const a = await ready(s);
    const b = await ready(s);
    a.send({ type: 'subscribe', topics: ['x', 'y'] });
    b.send({ type: 'subscribe', topics: ['x'] });
    await eventually(() =>
      expect(
        s.server
          .connections()
          .map((c) => c.topics.size)
          .sort(),
      ).toEqual([1, 2]),
    );
    expect(s.source.listenerCount()).toBe(baseline + 2);
    a.send({ type: 'unsubscribe', topics: ['x', 'y'] });
    await eventually(() => expect(s.server.watchedTopics()).toEqual(['x']));
    expect(s.source.listenerCount()).toBe(baseline + 1);
    b.ws.close();
    await eventually(() => expect(s.source.listenerCount()).toBe(baseline));
    expect(s.server.watchedTopics()).toEqual([]);
  });

  it('sends a beacon every beaconMs with the revisions of the subscribed topics', async () => {
    const s = await stack({ beaconMs: 40 });
    await s.source.topic('x').set(1);
    await s.source.topic('x').set(2);
    await s.source.topic('z').set(1);
    const client = await ready(s);
    client.send({ type: 'subscribe', topics: ['x'] });
    await eventually(() =>
      expect(
        client.ofType('beacon').filter((f) => Object.keys(f.revisions as object).length > 0).length,
      ).toBeGreaterThanOrEqual(2),
    );
    expect(client.ofType('beacon').at(-1)).toEqual({
      type: 'beacon',
      revisions: { x: '2' },
      epoch: await s.source.getEpoch(),
    });
  });

  it('terminates a half-open connection that answers neither pings nor anything else', async () => {
    const s = await stack({ beaconMs: 30 });
    const client = rawClient(s.url, { autoPong: false });
    open.push({ close: () => client.ws.terminate() });
    await client.opened;
    expect((await client.closed).code).toBe(1006);
    await eventually(() => expect(s.server.connections()).toHaveLength(0));
  });
});

describe('mutate', () => {
  it('answers mutate with unsupported when the server has no onMutate', async () => {
    const s = await stack();
    const client = await ready(s);
    client.send({ type: 'mutate', id: 'm1', topic: 't', op: { type: 'increment' } });
    expect(await client.next((f) => f.id === 'm1')).toMatchObject({
      type: 'error',
      code: 'unsupported',
    });
  });

  it('applies an op through onMutate, acks with the revision and invalidates subscribers', async () => {
    const calls: unknown[] = [];
    const s = await stack({
      onMutate: async ({ topic, op, baseRevision, source, principal }) => {
        calls.push({ topic, op, baseRevision, principal });
        const o = op as { type?: string };
        if (o.type === 'boom') throw new Error('internal detail that must not leak');
        if (o.type !== 'increment')
          throw new WsError('invalid_op', `unknown op ${JSON.stringify(o.type)}`);
        return source.topic<number>(topic, { initial: 0 }).update((n) => n + 1);
      },
    });
    const watcher = await ready(s);
    watcher.send({ type: 'subscribe', topics: ['counter'] });
    await eventually(() => expect(s.server.watchedTopics()).toEqual(['counter']));
    const client = s.client();
    await expect(
      client.mutateOp('counter', { type: 'increment' }, { baseRevision: '0' }),
    ).resolves.toEqual({ revision: '1' });
    expect(calls).toEqual([
      { topic: 'counter', op: { type: 'increment' }, baseRevision: '0', principal: undefined },
    ]);
    await watcher.next((f) => f.type === 'invalidate' && f.revision === '1');
    await expect(client.mutateOp('counter', { type: 'explode' })).rejects.toMatchObject({
      code: 'invalid_op',
    });
    const internal = client.mutateOp('counter', { type: 'boom' });
    await expect(internal).rejects.toMatchObject({ code: 'internal' });
    await expect(internal).rejects.not.toThrow(/must not leak/);
  });
});

describe('recovery', () => {
  it('after a restart with a memory source (new epoch, revision back at 0) every client resyncs', async () => {
    const s = await stack();
    for (let n = 1; n <= 5; n++) await s.source.topic('board').set({ n });
    const clients = [s.client(), s.client()];
    const views = clients.map((client) => {
      const view: { data?: unknown } = {};
      const handle = client.sync('board', {
        applier: (e) => {
          view.data = e.data;
        },
      });
      return { handle, view };
    });
    for (const { handle } of views) await handle.start();
    expect(views.map((v) => v.handle.getLocalRevision())).toEqual(['5', '5']);
    const fresh = createSource();
    fresh.topic('board', { initial: { n: 100 } });
    await s.restart({ source: fresh });
    for (const { handle, view } of views) {
      await eventually(() => {
        expect(view.data).toEqual({ n: 100 });
        expect(handle.getLocalRevision()).toBe('0');
      });
      expect(handle.getEpoch()).toBe(await fresh.getEpoch());
    }
    await fresh.topic('board').set({ n: 101 });
    for (const { handle, view } of views) {
      await eventually(() => expect(view.data).toEqual({ n: 101 }));
      handle.stop();
    }
  });

  it('a change made while a client was offline is seen after it reconnects', async () => {
    const s = await stack();
    await s.source.topic('board').set({ n: 1 });
    const statuses: string[] = [];
    const client = s.client({ onStatus: (status) => statuses.push(status) });
    let data: unknown;
    const handle = client.sync('board', {
      applier: (e) => {
        data = e.data;
      },
    });
    await handle.start();
    await s.stop();
    await eventually(() => expect(client.status()).toBe('reconnecting'));
    await s.source.topic('board').set({ n: 2 }); // nobody is connected: no invalidation goes out
    await s.start();
    await eventually(() => expect(data).toEqual({ n: 2 }));
    expect(statuses).toEqual(['open', 'reconnecting', 'open']);
    handle.stop();
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001 and the reason, and leaves no listener or timer behind', async () => {
    // Every timer created while the server lives (ours and ws's) must be cleared or done by the end.
    const created: Array<{ _destroyed?: boolean }> = [];
    for (const name of ['setTimeout', 'setInterval'] as const) {
      const original = globalThis[name];
      vi.spyOn(globalThis, name).mockImplementation(((...args: Parameters<typeof original>) => {
        const handle = (original as (...a: unknown[]) => unknown)(...args);
        created.push(handle as { _destroyed?: boolean });
        return handle;
      }) as typeof original);
    }
    open.push({ close: () => vi.restoreAllMocks() });
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, HOST, resolve));
    open.push({ close: () => new Promise((resolve) => http.close(resolve)) });
    const upgradeListeners = http.listenerCount('upgrade');
    const source = createSource();
    const server = await createSyncServer({ source, server: http, beaconMs: 1000 });
    const port = (http.address() as { port: number }).port;
    const clients = [rawClient(`ws://${HOST}:${port}`), rawClient(`ws://${HOST}:${port}`)];
    for (const client of clients) {
      open.push({ close: () => client.ws.terminate() });
      await client.opened;
      client.send({ type: 'subscribe', topics: ['x'] });
    }
    await eventually(() => expect(source.listenerCount()).toBe(1));
    await server.close('maintenance');
    for (const client of clients)
      expect(await client.closed).toEqual({ code: 1001, reason: 'maintenance' });
    expect(source.listenerCount()).toBe(0);
    expect(http.listenerCount('upgrade')).toBe(upgradeListeners);
    expect(server.connections()).toEqual([]);
    expect(created.length).toBeGreaterThan(0);
    await eventually(() =>
      expect(created.filter((timer) => timer._destroyed !== true)).toEqual([]),
    );
    // The http server is the app's: still listening, a new upgrade is not ours any more.
    expect(http.listening).toBe(true);
  });

  it('listen mode: close() also closes its own http server', async () => {
    const source = createSource();
    const server = await createSyncServer({ source, port: 0, host: HOST });
    expect(server.url).toBe(`ws://${HOST}:${server.port}`);
    const client = rawClient(server.url!);
    await client.opened;
    await server.close();
    expect((await client.closed).code).toBe(1001);
    await expect(rawClient(server.url!).opened).rejects.toThrow();
  });
});
