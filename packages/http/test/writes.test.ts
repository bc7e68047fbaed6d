// The write path over HTTP: typed mutators through POST …/mutate (exactly once per (clientId, seq),
// refusals with the mutator's own code, store outages as 503 and resent), the optimistic view,
// and the untyped escape hatch, against the real handler on 127.0.0.1.
import {
  createMemoryStore,
  createSource,
  defineMutators,
  MutationRejected,
  type SourceStore,
} from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { StateSyncHttpError } from '../src/index';
import { openStack, type Stack } from './harness';
import { readSse } from './sse-reader';

const open: Stack[] = [];
afterEach(async () => {
  for (const stack of open.splice(0)) await stack.close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

type Todo = { id: string; text: string };
const todoMutators = defineMutators({
  add: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply: (state: Todo[] | null, args) => [...(state ?? []), args],
  },
  rename: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply(state: Todo[] | null, args, ctx) {
      if (ctx.server && !state?.some((t) => t.id === args.id))
        throw new MutationRejected('not_found', `todo ${args.id} no longer exists`);
      return (state ?? []).map((t) => (t.id === args.id ? { ...t, text: args.text } : t));
    },
  },
});
const mutators = { todos: todoMutators };

/** A memory store whose next `failures` writes throw: a store outage. */
function flakyStore(): { store: SourceStore; fail(times: number): void } {
  const store = createMemoryStore();
  let failures = 0;
  const write = store.write.bind(store);
  return {
    store: {
      ...store,
      write: (...args: Parameters<typeof write>) => {
        if (failures > 0) {
          failures--;
          return Promise.reject(new Error('store offline'));
        }
        return write(...args);
      },
    } as SourceStore,
    fail: (times) => {
      failures = times;
    },
  };
}

async function stack(store: SourceStore = createMemoryStore(), extra = {}): Promise<Stack> {
  const s = await openStack({ source: createSource({ store }), mutators, ...extra });
  open.push(s);
  return s;
}

describe('typed mutators over POST …/mutate', () => {
  it('applies at once in the optimistic view, acks, and the confirmed state includes it', async () => {
    const s = await stack();
    const c = s.client({ mutators, clientId: 'c1' });
    const views: unknown[] = [];
    const h = c.sync<Todo[] | null>('todos', {
      applier: c.optimistic!.applier('todos', { apply: (e) => void views.push(e.data) }),
    });
    await h.start();
    const acked = c.mutate('todos', 'add', { id: '1', text: 'milk' });
    expect(c.optimistic!.view('todos')).toEqual([{ id: '1', text: 'milk' }]);
    const ack = await acked;
    expect(ack).toMatchObject({ lastAppliedSeq: 1, epoch: expect.any(String) });
    expect((await s.source.topic('todos').get()).data).toEqual([{ id: '1', text: 'milk' }]);
    await eventually(() => expect(c.optimistic!.pending('todos')).toEqual([]));
    expect(views.at(-1)).toEqual([{ id: '1', text: 'milk' }]);
    expect(s.handler.getMetrics()).toMatchObject({ mutationsApplied: 1, mutations: 1 });
    h.stop();
  });

  it('answers a resend of the same (clientId, seq) as a duplicate, applied once', async () => {
    const s = await stack();
    const post = () =>
      fetch(`${s.url}/mutate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          topic: 'todos',
          name: 'add',
          args: { id: 'x', text: 'once' },
          clientId: 'c9',
          seq: 1,
        }),
      });
    const first = await (await post()).json();
    const again = await (await post()).json();
    expect(first).toMatchObject({ type: 'ack', lastAppliedSeq: 1 });
    expect(first.duplicate).toBeUndefined();
    expect(again).toMatchObject({ type: 'ack', lastAppliedSeq: 1, duplicate: true });
    expect((await s.source.topic('todos').get()).data).toEqual([{ id: 'x', text: 'once' }]);
    expect(s.handler.getMetrics()).toMatchObject({ mutationsApplied: 1, mutationsDuplicate: 1 });
  });

  it("rejects with the mutator's own MutationRejected (422, rejected) and rolls the view back", async () => {
    const s = await stack();
    const c = s.client({ mutators });
    const h = c.sync<Todo[] | null>('todos', {
      applier: c.optimistic!.applier('todos', { apply: () => {} }),
    });
    await h.start();
    const refused = c.mutate('todos', 'rename', { id: 'missing', text: 'x' });
    await expect(refused).rejects.toBeInstanceOf(MutationRejected);
    await expect(refused).rejects.toMatchObject({
      code: 'not_found',
      message: 'todo missing no longer exists',
    });
    expect(c.optimistic!.pending('todos')).toEqual([]);
    expect(s.handler.getMetrics().mutationsRejected).toBe(1);
    const raw = await fetch(`${s.url}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'todos', name: 'add', args: { id: 1 }, clientId: 'r', seq: 1 }),
    });
    expect(raw.status).toBe(422);
    expect(await raw.json()).toMatchObject({ code: 'invalid_args', rejected: true });
    h.stop();
  });

  it('answers a store outage with 503 unavailable, and the client resends the same seq until applied once', async () => {
    const flaky = flakyStore();
    const errors: StateSyncHttpError[] = [];
    const s = await stack(flaky.store);
    const c = s.client({ mutators, onError: (e) => errors.push(e) });
    flaky.fail(2);
    const ack = await c.mutate('todos', 'add', { id: '1', text: 'later' });
    expect(ack.lastAppliedSeq).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['unavailable', 'unavailable']);
    expect(s.handler.getMetrics()).toMatchObject({ mutationsFailed: 2, mutationsApplied: 1 });
    expect((await s.source.topic('todos').get()).data).toEqual([{ id: '1', text: 'later' }]);
  });

  it('resends a mutation sent while the server was down once the stream is back', async () => {
    const s = await stack();
    const c = s.client({ mutators, reconnect: { baseDelayMs: 5_000, maxDelayMs: 5_000 } });
    const h = c.sync<Todo[] | null>('todos', { applier: { apply: () => {} } });
    await h.start();
    let acked: Promise<unknown> | undefined;
    await s.restart({
      whileDown: async () => {
        acked = c.mutate('todos', 'add', { id: '2', text: 'offline' });
        await eventually(() => expect(c.getMetrics().errors).toBeGreaterThan(0));
      },
    });
    await expect(acked).resolves.toMatchObject({ lastAppliedSeq: 1 });
    expect((await s.source.topic('todos').get()).data).toEqual([{ id: '2', text: 'offline' }]);
    h.stop();
  }, 15_000);

  it("with clientScope, a client id another user sends first does not touch this user's sequence", async () => {
    const s = await stack(createMemoryStore(), {
      authenticate: (request: Request) => request.headers.get('x-user') ?? undefined,
      clientScope: (user: string) => user,
    });
    // Mallory learned Alice's client id (marks reach every reader) and sends "her" seq 1 first.
    const stolen = await fetch(`${s.url}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'mallory' },
      body: JSON.stringify({
        topic: 'todos',
        name: 'add',
        args: { id: 'm', text: 'from mallory' },
        clientId: 'alice-tab',
        seq: 1,
      }),
    });
    expect(await stolen.json()).toMatchObject({ type: 'ack', lastAppliedSeq: 1 });
    const stream = readSse(
      await fetch(`${s.url}/events?topics=todos`, { headers: { 'x-user': 'alice' } }),
    );
    await stream.next((m) => m.type === 'hello');
    const c = s.client({ mutators, clientId: 'alice-tab', headers: { 'x-user': 'alice' } });
    const h = c.sync<Todo[] | null>('todos', {
      applier: c.optimistic!.applier('todos', { apply: () => {} }),
    });
    await h.start();
    const ack = await c.mutate('todos', 'add', { id: 'a', text: 'from alice' });
    // Applied, not acked as a duplicate of Mallory's seq 1 (which would have lost it).
    expect(ack).toMatchObject({ lastAppliedSeq: 1 });
    expect(ack).not.toHaveProperty('duplicate');
    expect((await s.source.topic<Todo[]>('todos').get()).data?.map((t) => t.id)).toEqual([
      'm',
      'a',
    ]);
    // Marks carry the id the client knows itself by, not the server's scoped key.
    const marked = await stream.next((m) => m.type === 'invalidate' && m.revision === ack.revision);
    expect(marked.mutation).toEqual({ clientId: 'alice-tab', seq: 1 });
    await stream.cancel();
    await eventually(() => expect(c.optimistic!.pending('todos')).toEqual([]));
    expect((c.optimistic!.view('todos') as Todo[]).map((t) => t.id)).toEqual(['m', 'a']);
    h.stop();
  });

  it('refuses a mutator call without mutators, and an op without onMutate, with 501', async () => {
    const s = await stack();
    const op = await fetch(`${s.url}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'todos', op: { any: 1 } }),
    });
    expect(op.status).toBe(501);
    expect(await op.json()).toMatchObject({ code: 'unsupported' });
    const s2 = await openStack({ onMutate: () => ({}) });
    open.push(s2);
    const c = s2.client({ mutators });
    await expect(c.mutate('todos', 'add', { id: '1', text: 't' })).rejects.toMatchObject({
      code: 'unsupported',
    });
    await expect(c.mutateOp('todos', { any: 1 })).resolves.toEqual({});
    const plain = s2.client();
    await expect(
      (plain.mutate as (...args: unknown[]) => Promise<unknown>)('todos', 'add', {}),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('types mutate from the mutators (compile-time)', () => {
    const c = createTypedClient();
    if (c) {
      // @ts-expect-error: no mutator of that name on this topic
      void c.mutate('todos', 'remove', { id: '1' });
      // @ts-expect-error: args of the wrong shape
      void c.mutate('todos', 'add', { id: 1 });
      // @ts-expect-error: no such topic
      void c.mutate('lists', 'add', { id: '1', text: 'x' });
    }
    expect(c).toBeUndefined();
  });
});

function createTypedClient() {
  return undefined as import('../src/index').HttpSyncClient<typeof mutators> | undefined;
}
