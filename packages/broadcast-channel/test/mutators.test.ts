// The typed write path over the channel: a host with `mutators` applies each (clientId, seq) once,
// a write client shows it at once and rolls back a refusal with the mutator's own message.
import {
  createMemoryStore,
  createRevisionSync,
  createSource,
  MutationRejected,
  type RevisionSyncHandle,
  type SourceStore,
} from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BroadcastChannelConstructor,
  type BroadcastChannelError,
  createBroadcastChannelHost,
  createBroadcastChannelWriteClient,
} from '../src/index';
import { openWire, uniqueAppId } from './helpers';
import { holdingChannel, mutators, type Todo } from './write-fixtures';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(
  options: { hostMutators?: boolean; hostChannel?: BroadcastChannelConstructor } = {},
) {
  const appId = uniqueAppId('mut');
  const wire = openWire(appId);
  const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
  await source.topic<Todo[]>('todos').set([]);
  const hostErrors: BroadcastChannelError[] = [];
  const host = createBroadcastChannelHost({
    appId,
    source,
    ...(options.hostMutators === false ? {} : { mutators }),
    ...(options.hostChannel ? { BroadcastChannel: options.hostChannel } : {}),
    onError: (error) => hostErrors.push(error),
  });
  const clientErrors: BroadcastChannelError[] = [];
  const client = createBroadcastChannelWriteClient({
    appId,
    mutators,
    onError: (error) => clientErrors.push(error),
  });
  const shown: Todo[][] = [];
  const engine: RevisionSyncHandle<Todo[]> = createRevisionSync<Todo[]>({
    topic: 'todos',
    subscriber: client.subscriber('todos'),
    provider: client.provider<Todo[]>('todos'),
    applier: client.optimistic.applier<Todo[]>('todos', {
      apply: ({ data }) => void shown.push(data),
    }),
  });
  closers.push(
    () => source.close(),
    () => host.close(),
    () => client.close(),
    () => engine.stop(),
  );
  await engine.start();
  return { appId, wire, source, host, client, engine, shown, hostErrors, clientErrors };
}

/** Resolves once `check` holds, polling the event loop (BroadcastChannel delivery is async). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('mutator calls through the host', () => {
  it('applies a mutation, shows it at once, and acks with revision, epoch and lastAppliedSeq', async () => {
    const { client, source, shown, host, wire } = await setup();
    const done = client.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(await done).toStrictEqual({ revision: '2', epoch: 'E', lastAppliedSeq: 1 });
    expect((await source.topic('todos').get()).data).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(host.getMetrics()).toMatchObject({ mutations: 1, duplicates: 0, rejected: 0 });
    // The invalidation names the mutation, so the client's view drops it once the state arrives.
    await until(() => wire.of('invalidate').length > 0);
    expect(wire.of('invalidate')[0]).toMatchObject({
      revision: '2',
      mutation: { clientId: client.optimistic.clientId, seq: 1 },
    });
    await until(() => client.optimistic.pending().length === 0);
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
  });

  it("rejects with the mutator's own code and message and rolls the view back", async () => {
    const { client, shown, host, source } = await setup();
    const refused = client.mutate('todos', 'rename', { id: 'gone', text: 'x' });
    await expect(refused).rejects.toBeInstanceOf(MutationRejected);
    await expect(refused).rejects.toMatchObject({
      code: 'not_found',
      message: 'todo gone no longer exists',
    });
    expect(shown.at(-1)).toStrictEqual([]);
    expect(client.optimistic.pending()).toStrictEqual([]);
    expect(host.getMetrics()).toMatchObject({ mutations: 0, rejected: 1 });
    expect((await source.topic('todos').get()).revision).toBe('1');
  });

  it('rolls back only the refused mutation and keeps the others pending until confirmed', async () => {
    const { client, shown } = await setup();
    const first = client.mutate('todos', 'addTodo', { id: 'a', text: 'one' });
    const refused = client.mutate('todos', 'rename', { id: 'nope', text: 'x' });
    const third = client.mutate('todos', 'addTodo', { id: 'b', text: 'two' });
    expect(shown.at(-1)?.map((t) => t.id)).toStrictEqual(['a', 'b']);
    await first;
    await expect(refused).rejects.toMatchObject({ code: 'not_found' });
    expect(await third).toMatchObject({ lastAppliedSeq: 3 });
    await until(() => client.optimistic.pending().length === 0);
    expect(shown.at(-1)).toStrictEqual([
      { id: 'a', text: 'one' },
      { id: 'b', text: 'two' },
    ]);
  });

  it('acks a resend of an applied mutation as a duplicate without applying it again', async () => {
    const { wire, source, host } = await setup();
    const request = {
      type: 'mutate',
      topic: 'todos',
      name: 'addTodo',
      args: { id: 'a', text: 'once' },
      clientId: 'raw-client',
      seq: 1,
    };
    wire.send({ ...request, id: 'r1' }, 'raw');
    wire.send({ ...request, id: 'r2' }, 'raw');
    await until(() => wire.of('ack').length === 2);
    const [first, second] = wire.of('ack');
    expect(first).toMatchObject({ id: 'r1', revision: '2', lastAppliedSeq: 1 });
    expect(first).not.toHaveProperty('duplicate');
    expect(second).toMatchObject({ id: 'r2', revision: '2', lastAppliedSeq: 1, duplicate: true });
    expect((await source.topic('todos').get()).data).toHaveLength(1);
    expect(host.getMetrics()).toMatchObject({ mutations: 1, duplicates: 1 });
  });

  it("answers a get with clientId with that client's lastAppliedSeq", async () => {
    const { wire } = await setup();
    const add = { type: 'mutate', topic: 'todos', name: 'addTodo', clientId: 'c1', seq: 1 };
    wire.send({ ...add, id: 'm1', args: { id: 'a', text: 'x' } }, 'raw');
    await until(() => wire.of('ack').length === 1);
    wire.send({ type: 'get', id: 'g1', topic: 'todos', clientId: 'c1' }, 'raw');
    wire.send({ type: 'get', id: 'g2', topic: 'todos' }, 'raw');
    wire.send({ type: 'get', id: 'g3', topic: 'todos', clientId: 'stranger' }, 'raw');
    const answers = () => wire.of('snapshot').filter((m) => m.to === 'raw');
    await until(() => answers().length === 3);
    const byId = Object.fromEntries(answers().map((m) => [m.id, m]));
    expect(byId.g1).toMatchObject({ revision: '2', lastAppliedSeq: 1 });
    expect(byId.g2).not.toHaveProperty('lastAppliedSeq');
    expect(byId.g3).not.toHaveProperty('lastAppliedSeq');
  });

  it('a host without mutators refuses a mutator call for good, naming the fix', async () => {
    const { client, shown } = await setup({ hostMutators: false });
    await expect(client.mutate('todos', 'addTodo', { id: 'a', text: 'x' })).rejects.toMatchObject({
      code: 'unknown_topic',
    });
    expect(shown.at(-1)).toStrictEqual([]);
  });

  it('resends an unanswered mutation, same seq, to the next host, which applies it once', async () => {
    const { appId, client, host, source, shown, wire } = await setup();
    // The first host vanishes without answering (its tab froze, then closed).
    host.close();
    const done = client.mutate('todos', 'addTodo', { id: 'a', text: 'late' });
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'late' }]);
    await until(() => wire.of('mutate').length === 1); // posted while no host listens
    const next = createBroadcastChannelHost({ appId, source, mutators });
    closers.push(() => next.close());
    expect(await done).toMatchObject({ lastAppliedSeq: 1 });
    expect((await source.topic('todos').get()).data).toStrictEqual([{ id: 'a', text: 'late' }]);
    expect(next.getMetrics()).toMatchObject({ mutations: 1, duplicates: 0 });
    expect(wire.of('mutate').map((m) => m.seq)).toStrictEqual([1, 1]);
    expect(client.getMetrics().resent).toBe(1);
  });

  it('keeps the change on screen while a snapshot arrives between send and ack', async () => {
    const hold = holdingChannel('mutate');
    const { client, shown, engine, source } = await setup({ hostChannel: hold.BroadcastChannel });
    const done = client.mutate('todos', 'addTodo', { id: 'mine', text: 'pending' });
    await until(() => hold.held() === 1); // sent; the host has not read it yet
    // Another writer changes the topic meanwhile; the engine pulls the new confirmed state.
    await source.topic<Todo[]>('todos').set([{ id: 'x', text: 'other' }]);
    await engine.refresh();
    expect(shown.at(-1)).toStrictEqual([
      { id: 'x', text: 'other' },
      { id: 'mine', text: 'pending' },
    ]);
    expect(client.optimistic.pending()).toMatchObject([{ seq: 1, acked: false }]);
    hold.release();
    expect(await done).toMatchObject({ revision: '3', lastAppliedSeq: 1 });
    await until(() => client.optimistic.pending().length === 0);
    // The host's state includes it once; the view shows that state, never the change twice.
    expect(shown.every((todos) => todos.filter((t) => t.id === 'mine').length <= 1)).toBe(true);
    expect(shown.at(-1)).toStrictEqual((await source.topic('todos').get()).data);
  });

  it('sends a mutation that timed out with no host again, same seq, when a host appears', async () => {
    const appId = uniqueAppId('late');
    const wire = openWire(appId);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const errors: BroadcastChannelError[] = [];
    const client = createBroadcastChannelWriteClient({
      appId,
      mutators,
      timeoutMs: 1000,
      onError: (error) => errors.push(error),
    });
    closers.push(() => client.close());
    const done = client.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    await vi.waitFor(() => expect(wire.of('mutate')).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.getMetrics().timeouts).toBe(1);
    // The queue holds it (the link failed; a refusal would have dropped it) and reports why.
    expect(errors.map((e) => e.code)).toStrictEqual(['timeout']);
    expect(client.optimistic.pending()).toMatchObject([{ seq: 1, acked: false }]);
    vi.useRealTimers();
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    const host = createBroadcastChannelHost({ appId, source, mutators });
    closers.push(
      () => source.close(),
      () => host.close(),
    );
    expect(await done).toMatchObject({ revision: '1', lastAppliedSeq: 1 });
    expect(wire.of('mutate').map((m) => m.seq)).toStrictEqual([1, 1]);
    expect(host.getMetrics()).toMatchObject({ mutations: 1, duplicates: 0 });
  });

  it('sends a mutation the same host failed to apply again after retryMs, and applies it once', async () => {
    const appId = uniqueAppId('retry');
    const wire = openWire(appId);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const inner = createMemoryStore({ epoch: 'E' });
    let failures = 1;
    // The host's store fails the first mutation write (a transient IndexedDB error, say).
    const store: SourceStore = {
      ...inner,
      async write(topic, data, expected, meta) {
        if (meta?.mutation && failures-- > 0) throw new Error('disk busy');
        return inner.write(topic, data, expected, meta);
      },
    };
    const source = createSource({ store });
    await source.topic<Todo[]>('todos').set([]);
    const hostErrors: BroadcastChannelError[] = [];
    const host = createBroadcastChannelHost({
      appId,
      source,
      mutators,
      onError: (error) => hostErrors.push(error),
    });
    const clientErrors: BroadcastChannelError[] = [];
    const client = createBroadcastChannelWriteClient({
      appId,
      mutators,
      retryMs: 500,
      onError: (error) => clientErrors.push(error),
    });
    closers.push(
      () => source.close(),
      () => host.close(),
      () => client.close(),
    );
    let settled = false;
    const done = client.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    void done.finally(() => {
      settled = true;
    });
    // Real channel delivery, fake timers: wait on the event loop, not on setTimeout.
    const settle = async (check: () => boolean) => {
      for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setImmediate(r));
      expect(check()).toBe(true);
    };
    await settle(() => clientErrors.length === 1);
    expect(hostErrors).toHaveLength(1);
    expect(client.optimistic.pending()).toMatchObject([{ seq: 1, acked: false }]);
    await vi.advanceTimersByTimeAsync(499);
    expect(wire.of('mutate')).toHaveLength(1);
    expect(settled).toBe(false);
    // The same host is still there; the retry, not a host change, sends it again.
    await vi.advanceTimersByTimeAsync(1);
    await settle(() => settled);
    expect(await done).toMatchObject({ revision: '2', lastAppliedSeq: 1 });
    expect(wire.of('mutate').map((m) => m.seq)).toStrictEqual([1, 1]);
    expect(host.getMetrics()).toMatchObject({ mutations: 1, duplicates: 0 });
    expect((await source.topic('todos').get()).data).toStrictEqual([{ id: 'a', text: 'x' }]);
  });

  it('over a store without the mutations capability, serves states and refuses mutator calls by name', async () => {
    const appId = uniqueAppId('nocap');
    const inner = createMemoryStore({ epoch: 'E' });
    const { lastMutation: _l, recordMutation: _r, ...plain } = inner;
    const source = createSource({ store: plain });
    await source.topic('todos').set([]);
    const host = createBroadcastChannelHost({ appId, source, mutators });
    const client = createBroadcastChannelWriteClient({ appId, mutators });
    closers.push(
      () => source.close(),
      () => host.close(),
      () => client.close(),
    );
    expect(await client.provider('todos').getSnapshot()).toMatchObject({ revision: '1', data: [] });
    await expect(client.mutate('todos', 'addTodo', { id: 'a', text: 'x' })).rejects.toMatchObject({
      code: 'unsupported',
    });
    expect(host.getMetrics()).toMatchObject({ rejected: 1, mutations: 0 });
  });
});
