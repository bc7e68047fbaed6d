import {
  createMemoryStore,
  createRevisionSync,
  createSource,
  type SourceStore,
} from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BroadcastChannelError,
  broadcastMessageSchema,
  createBroadcastChannelClient,
  createBroadcastChannelHost,
} from '../src/index';
import { deferred, openWire, uniqueAppId } from './helpers';

type Counter = { n: number };

const closers: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0).reverse()) await close();
});

function setup(
  options: {
    store?: SourceStore;
    reducer?: (topic: string, current: unknown, op: unknown) => unknown;
  } = {},
) {
  const appId = uniqueAppId('hc');
  const source = createSource({ store: options.store ?? createMemoryStore() });
  const hostErrors: BroadcastChannelError[] = [];
  const host = createBroadcastChannelHost({
    appId,
    source,
    onError: (error) => hostErrors.push(error),
    ...(options.reducer ? { reducer: options.reducer } : {}),
  });
  const clientErrors: BroadcastChannelError[] = [];
  const client = createBroadcastChannelClient({
    appId,
    onError: (error) => clientErrors.push(error),
  });
  closers.push(
    () => source.close(),
    () => host.close(),
    () => client.close(),
  );
  return { appId, source, host, client, hostErrors, clientErrors };
}

describe('requests', () => {
  it('answers a snapshot request with the source state, correlated by id', async () => {
    const { source, client } = setup();
    await source.topic<Counter>('counter').set({ n: 3 });
    const envelope = await client.provider<Counter>('counter').getSnapshot();
    expect(envelope).toEqual({ revision: '1', epoch: await source.getEpoch(), data: { n: 3 } });
  });

  it('writes through the host with set() and resolves to the state written', async () => {
    const { source, client } = setup();
    const written = await client.set<Counter>('counter', { n: 7 });
    expect(written).toMatchObject({ revision: '1', data: { n: 7 } });
    expect(await source.topic('counter').get()).toMatchObject({ revision: '1', data: { n: 7 } });
  });

  it('applies custom ops with the host reducer, which never sees the stored object itself', async () => {
    const { source, client } = setup({
      reducer: (_topic, current, op) => {
        const state = current as Counter;
        state.n += (op as { add: number }).add; // mutating its argument must be harmless
        return state;
      },
    });
    await source.topic<Counter>('counter').set({ n: 1 });
    const before = await source.topic<Counter>('counter').get();
    await client.mutateOp('counter', { add: 2 });
    expect((await source.topic<Counter>('counter').get()).data).toEqual({ n: 3 });
    expect(before.data).toEqual({ n: 1 });
  });

  it('rejects a mutation whose baseRevision is stale with conflict and writes nothing', async () => {
    const { source, client } = setup();
    await client.set('counter', { n: 1 });
    await client.set('counter', { n: 2 });
    await expect(client.set('counter', { n: 99 }, { baseRevision: '1' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(client.set('counter', { n: 3 }, { baseRevision: '2' })).resolves.toMatchObject({
      revision: '3',
    });
    expect((await source.topic('counter').get()).data).toEqual({ n: 3 });
  });

  it('rejects a custom op with bad_request when the host has no reducer', async () => {
    const { client } = setup();
    await expect(client.mutateOp('counter', { add: 1 })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('rejects with mutation_failed when the reducer throws, and writes nothing', async () => {
    const { source, client } = setup({
      reducer: () => {
        throw new Error('no');
      },
    });
    await expect(client.mutateOp('counter', { add: 1 })).rejects.toMatchObject({
      code: 'mutation_failed',
    });
    expect((await source.topic('counter').get()).revision).toBe('0');
  });

  it('answers a store failure with internal and reports it on the host', async () => {
    const store = createMemoryStore();
    const { client, hostErrors } = setup({
      store: { ...store, read: () => Promise.reject(new Error('disk on fire')) },
    });
    await expect(client.provider('counter').getSnapshot()).rejects.toMatchObject({
      code: 'internal',
    });
    expect(hostErrors.map((e) => e.code)).toEqual(['internal']);
  });

  it('applies a mutation received twice (a resend) once and acknowledges both', async () => {
    const { appId, source, host } = setup({
      reducer: (_t, current, op) => ({ n: ((current as Counter | null)?.n ?? 0) + (op as number) }),
    });
    const wire = openWire(appId);
    const mutate = { type: 'mutate', id: 'm-1', topic: 'counter', op: 5 };
    wire.send(mutate, 'client-x');
    wire.send(mutate, 'client-x');
    await vi.waitFor(() => expect(wire.of('ack')).toHaveLength(2));
    expect((await source.topic<Counter>('counter').get()).data).toEqual({ n: 5 });
    expect(host.getMetrics()).toMatchObject({ mutations: 1, duplicates: 1 });
    expect(wire.of('ack').map((m) => m.revision)).toEqual(['1', '1']);
  });

  it('times out a request no host answers, with timeout', async () => {
    vi.useFakeTimers();
    const client = createBroadcastChannelClient({ appId: uniqueAppId('nohost'), timeoutMs: 1000 });
    closers.push(() => client.close());
    const pending = client.provider('counter').getSnapshot();
    const outcome = expect(pending).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(999);
    expect(client.getMetrics().timeouts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    expect(client.getMetrics().timeouts).toBe(1);
  });

  it('rejects pending requests with closed when the client closes', async () => {
    const client = createBroadcastChannelClient({ appId: uniqueAppId('closing') });
    const pending = client.provider('counter').getSnapshot();
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    await expect(client.set('counter', 1)).rejects.toMatchObject({ code: 'closed' });
  });

  it('an aborted snapshot request is released at once', async () => {
    const client = createBroadcastChannelClient({ appId: uniqueAppId('abort') });
    closers.push(() => client.close());
    const controller = new AbortController();
    const pending = client.provider('counter').getSnapshot({ signal: controller.signal });
    controller.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
  });

  it('rejects a payload that cannot be cloned with post_failed, sending nothing', async () => {
    const { client } = setup();
    await expect(client.set('counter', { fn: () => 1 })).rejects.toMatchObject({
      code: 'post_failed',
    });
  });
});

describe('own writes (self-echo)', () => {
  it('an engine on the writing client takes the state from the ack instead of fetching', async () => {
    const { client } = setup();
    const applied: unknown[] = [];
    const engine = createRevisionSync<Counter>({
      topic: 'counter',
      subscriber: client.subscriber('counter'),
      provider: client.provider('counter'),
      applier: ({ data }) => void applied.push(data),
      shouldRefresh: (event) => event.sourceId !== client.id,
    });
    await engine.start();
    const fetches = engine.getMetrics().fetches;
    await client.set('counter', { n: 1 });
    await vi.waitFor(() => expect(engine.getLocalRevision()).toBe('1'));
    expect(engine.getMetrics().fetches - fetches).toBe(1);
    expect(client.getMetrics()).toMatchObject({ servedFromAck: 1, requests: 2 }); // initial get + the write
    expect(applied).toEqual([null, { n: 1 }]);
    engine.stop();
  });

  it('a write made before subscribing is never served later from its ack', async () => {
    const { appId, client } = setup();
    await client.set('counter', { n: 1 });
    const other = createBroadcastChannelClient({ appId });
    closers.push(() => other.close());
    await other.set('counter', { n: 2 }); // nobody subscribed: the host posts no invalidation
    const applied: unknown[] = [];
    const engine = createRevisionSync<Counter>({
      topic: 'counter',
      subscriber: client.subscriber('counter'),
      provider: client.provider('counter'),
      applier: ({ data }) => void applied.push(data),
    });
    await engine.start();
    expect(applied).toEqual([{ n: 2 }]);
    expect(client.getMetrics().servedFromAck).toBe(0);
    engine.stop();
  });
});

describe('closed channels', () => {
  it('a host that closes while serving never posts (and never throws)', async () => {
    const gate = deferred();
    const store = createMemoryStore();
    const { host, client, hostErrors } = setup({
      store: {
        ...store,
        read: async (topic) => {
          await gate.promise;
          return store.read(topic);
        },
      },
    });
    const pending = client.provider('counter').getSnapshot();
    await vi.waitFor(() => expect(host.getMetrics().received).toBe(1));
    host.close();
    gate.resolve();
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    expect(hostErrors).toEqual([]);
  });

  it('an engine stopped after its client closed unsubscribes without throwing', async () => {
    const { source, client } = setup();
    await source.topic('counter').set({ n: 1 });
    const engine = createRevisionSync({
      topic: 'counter',
      subscriber: client.subscriber('counter'),
      provider: client.provider('counter'),
      applier: () => {},
    });
    await engine.start();
    client.close();
    expect(() => engine.stop()).not.toThrow();
    expect(client.listenerCount()).toBe(0);
  });
});

describe('invalidations', () => {
  it('are posted only for topics some client subscribed to', async () => {
    const { appId, source, client, host } = setup();
    const wire = openWire(appId);
    const off = await client.subscriber('watched').subscribe(() => {});
    await vi.waitFor(() => expect(host.topics()).toEqual(['watched']));
    await source.topic('unwatched').set(1);
    await source.topic('watched').set(1);
    await vi.waitFor(() => expect(wire.of('invalidate')).toHaveLength(1));
    expect(wire.of('invalidate')[0]).toMatchObject({ topic: 'watched', revision: '1' });
    off();
    await vi.waitFor(() => expect(host.topics()).toEqual([]));
  });

  it('carry the writer id as sourceId', async () => {
    const { appId, client } = setup();
    const wire = openWire(appId);
    const events: unknown[] = [];
    await client.subscriber('counter').subscribe((event) => events.push(event));
    await client.set('counter', { n: 1 });
    await vi.waitFor(() =>
      expect(events).toContainEqual(
        expect.objectContaining({ revision: '1', sourceId: client.id }),
      ),
    );
    expect(wire.of('invalidate')[0]).toMatchObject({ sourceId: client.id });
  });
});

describe('namespacing and validation', () => {
  it('ignores and counts foreign messages: other protocols and other apps on the same channel', async () => {
    const { appId, client, clientErrors, host, hostErrors } = setup();
    const events: unknown[] = [];
    await client.subscriber('counter').subscribe((event) => events.push(event));
    const wire = openWire(appId);
    const before = client.getMetrics().foreign;
    wire.post('hello');
    wire.post({ type: 'invalidate', topic: 'counter', revision: '5' });
    wire.post({
      ss: 'state-sync',
      v: 1,
      app: `${appId}-other`,
      from: 'x',
      type: 'invalidate',
      topic: 'counter',
      revision: '5',
    });
    await vi.waitFor(() => expect(client.getMetrics().foreign - before).toBe(3));
    await vi.waitFor(() => expect(host.getMetrics().foreign).toBeGreaterThanOrEqual(3));
    expect(events).toEqual([]);
    expect(clientErrors).toEqual([]);
    expect(hostErrors).toEqual([]);
  });

  it('reports a message that claims to be ours but is malformed as invalid_message, and drops it', async () => {
    const { appId, client, clientErrors } = setup();
    const events: unknown[] = [];
    await client.subscriber('counter').subscribe((event) => events.push(event));
    const wire = openWire(appId);
    wire.send({ type: 'invalidate', topic: 'counter', revision: '007' });
    wire.send({ type: 'invalidate', topic: 'counter', revision: '5', epoch: 5 });
    wire.send({ type: 'teleport' });
    wire.post({ ss: 'state-sync', v: 2, app: appId, from: 'x', type: 'hello' });
    await vi.waitFor(() => expect(client.getMetrics().invalid).toBe(4));
    expect(clientErrors.map((e) => e.code)).toEqual(Array(4).fill('invalid_message'));
    expect(events).toEqual([]);
  });

  it('answers a malformed request with bad_request instead of letting it time out', async () => {
    const { appId, hostErrors } = setup();
    const wire = openWire(appId);
    wire.send({ type: 'get', id: 'g-1', topic: '   ' }, 'client-y');
    await vi.waitFor(() => expect(wire.of('error')).toHaveLength(1));
    expect(wire.of('error')[0]).toMatchObject({ to: 'client-y', id: 'g-1', code: 'bad_request' });
    expect(hostErrors.map((e) => e.code)).toEqual(['invalid_message']);
  });

  it('exports the wire schema, which accepts what the host sends', async () => {
    const { appId, source, client } = setup();
    const wire = openWire(appId);
    await source.topic('counter').set(1);
    await client.provider('counter').getSnapshot();
    await vi.waitFor(() => expect(wire.of('snapshot')).toHaveLength(1));
    for (const message of wire.seen)
      expect(broadcastMessageSchema.safeParse(message).success).toBe(true);
  });
});

describe('host changes', () => {
  it('resends a pending request to a host that announces itself, and pulls every topic', async () => {
    const appId = uniqueAppId('late-host');
    const client = createBroadcastChannelClient({ appId });
    const events: unknown[] = [];
    await client.subscriber('counter').subscribe((event) => events.push(event));
    const pending = client.provider('counter').getSnapshot();
    const source = createSource();
    await source.topic('counter').set({ n: 1 });
    const host = createBroadcastChannelHost({ appId, source });
    closers.push(
      () => source.close(),
      () => host.close(),
      () => client.close(),
    );
    await expect(pending).resolves.toMatchObject({ revision: '1', data: { n: 1 } });
    expect(client.getMetrics().resent).toBe(1);
    expect(client.getHostId()).toBe(host.id);
    expect(events).toEqual([{ topic: 'counter', resync: true, reason: 'reconnect' }]);
    await vi.waitFor(() => expect(host.topics()).toEqual(['counter']));
  });
});
