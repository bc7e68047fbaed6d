import { describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createMutationHandler,
  createSource,
  type InvalidationEvent,
  MutationRejected,
  type SourceStore,
  scopedClientId,
  unscopedClientId,
} from '../src/index';
import { todoMutators } from './write-fixtures';

function setup(store = createMemoryStore({ epoch: 'E' })) {
  const source = createSource({ store });
  const handler = createMutationHandler({ source, mutators: { todos: todoMutators } });
  return { source, store, handler };
}

const add = (seq: number, id = `t${seq}`, clientId = 'c1') => ({
  topic: 'todos',
  name: 'addTodo',
  args: { id, text: `todo ${id}` },
  clientId,
  seq,
});

async function rejection(promise: Promise<unknown>): Promise<MutationRejected> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MutationRejected);
  return error as MutationRejected;
}

describe('createMutationHandler: applying', () => {
  it('validates, applies with compare-and-set and acks with the new revision', async () => {
    const { source, handler } = setup();
    const events: InvalidationEvent[] = [];
    source.topic('todos').subscribe((event) => events.push(event));
    expect(await handler.apply(add(1))).toStrictEqual({
      revision: '1',
      epoch: 'E',
      lastAppliedSeq: 1,
    });
    expect((await source.topic('todos').get()).data).toStrictEqual([{ id: 't1', text: 'todo t1' }]);
    expect(events).toStrictEqual([
      { topic: 'todos', revision: '1', epoch: 'E', mutation: { clientId: 'c1', seq: 1 } },
    ]);
  });

  it('rejects args the schema refuses with invalid_args naming the field', async () => {
    const { handler, source } = setup();
    const error = await rejection(handler.apply({ ...add(1), args: { id: 'x', text: '' } }));
    expect(error.code).toBe('invalid_args');
    expect(error.message).toContain('text');
    expect((await source.topic('todos').get()).revision).toBe('0');
  });

  it('passes a mutator refusal through with its own code and message', async () => {
    const { handler } = setup();
    const error = await rejection(
      handler.apply({
        topic: 'todos',
        name: 'failOnServer',
        args: { code: 'nope' },
        clientId: 'c',
        seq: 1,
      }),
    );
    expect(error.toJSON()).toStrictEqual({ code: 'nope', message: 'refused: nope' });
  });

  it('repeats a recorded refusal for a resend without reading the topic', async () => {
    // A read started and never awaited outlives the request: against a closing store it
    // surfaced as an unhandled rejection.
    const store = createMemoryStore({ epoch: 'E' });
    let reads = 0;
    const read = store.read.bind(store);
    store.read = (topic) => {
      reads++;
      return read(topic);
    };
    const { handler } = setup(store);
    const refused = {
      topic: 'todos',
      name: 'failOnServer',
      args: { code: 'nope' },
      clientId: 'c',
      seq: 1,
    };
    await rejection(handler.apply(refused));
    const before = reads;
    const again = await rejection(handler.apply(refused));
    expect(again.toJSON()).toStrictEqual({ code: 'nope', message: 'refused: nope' });
    expect(reads).toBe(before);
  });

  it('refuses an unknown topic, an unknown mutator and a malformed request', async () => {
    const { handler } = setup();
    expect((await rejection(handler.apply({ ...add(1), topic: 'other' }))).code).toBe(
      'unknown_topic',
    );
    expect((await rejection(handler.apply({ ...add(2), name: 'toString' }))).code).toBe(
      'unknown_mutator',
    );
    for (const bad of [
      { ...add(3), seq: 0 },
      { ...add(3), seq: 1.5 },
      { ...add(3), clientId: '' },
      null,
    ]) {
      expect((await rejection(handler.apply(bad as never))).code).toBe('invalid_request');
    }
  });

  it('retries when another writer changes the topic between read and write', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    let interfere = 2;
    const racing: SourceStore = {
      ...store,
      async write(topic, data, expected, meta) {
        if (meta?.mutation && interfere-- > 0)
          await store.write(topic, [{ id: 'other', text: 'x' }], expected);
        return store.write(topic, data, expected, meta);
      },
    };
    const { handler, source } = setup(racing as never);
    const ack = await handler.apply(add(1));
    expect(ack.revision).toBe('3');
    expect((await source.topic('todos').get()).data).toStrictEqual([
      { id: 'other', text: 'x' },
      { id: 't1', text: 'todo t1' },
    ]);
  });

  it('fails with write_conflict after maxAttempts conflicting writes', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const always: SourceStore = {
      ...store,
      async write(topic, data, expected, meta) {
        if (meta?.mutation) await store.write(topic, [], (await store.read(topic))?.revision);
        return store.write(topic, data, expected, meta);
      },
    };
    const source = createSource({ store: always });
    const handler = createMutationHandler({
      source,
      mutators: { todos: todoMutators },
      maxAttempts: 3,
    });
    expect((await rejection(handler.apply(add(1)))).code).toBe('write_conflict');
  });

  it('refuses a mutation write on a store that cannot record it, instead of losing the guarantee', async () => {
    const { lastMutation: _l, recordMutation: _r, ...bare } = createMemoryStore();
    const source = createSource({ store: bare });
    const mutation = { clientId: 'c', seq: 1 };
    await expect(source.topic('t').set(1, { mutation })).rejects.toMatchObject({
      code: 'unsupported',
    });
    await expect(source.topic('t').update(() => 1, { mutation })).rejects.toMatchObject({
      code: 'unsupported',
    });
    await expect(source.lastMutation?.('c')).rejects.toMatchObject({ code: 'unsupported' });
    expect((await source.topic('t').get()).revision).toBe('0');
  });

  it('throws unsupported for a source whose store cannot record mutations', () => {
    const source = createSource();
    const { lastMutation: _l, recordMutation: _r, ...bare } = source;
    expect(() => createMutationHandler({ source: bare, mutators: {} })).toThrow(/lastMutation/);
  });
});

describe('createMutationHandler: exactly once', () => {
  it('applies a resent mutation once and acks it as a duplicate', async () => {
    const { handler, source } = setup();
    await handler.apply(add(1));
    const again = await handler.apply(add(1));
    expect(again).toStrictEqual({ revision: '1', epoch: 'E', lastAppliedSeq: 1, duplicate: true });
    expect((await source.topic('todos').get()).data).toHaveLength(1);
  });

  it('applies a mutation racing its own duplicate once', async () => {
    const { handler, source } = setup();
    const acks = await Promise.all([
      handler.apply(add(1)),
      handler.apply(add(1)),
      handler.apply(add(1)),
    ]);
    expect(acks.filter((ack) => !ack.duplicate)).toHaveLength(1);
    expect((await source.topic('todos').get()).data).toHaveLength(1);
  });

  it('acks a seq older than the last applied as already applied', async () => {
    const { handler, source } = setup();
    await handler.apply(add(1));
    await handler.apply(add(2));
    expect(await handler.apply(add(1))).toMatchObject({ duplicate: true, lastAppliedSeq: 2 });
    expect((await source.topic('todos').get()).data).toHaveLength(2);
  });

  it('answers a resent refused mutation with the same refusal, and goes on with the next seq', async () => {
    const { handler } = setup();
    const refused = {
      topic: 'todos',
      name: 'failOnServer',
      args: { code: 'no' },
      clientId: 'c1',
      seq: 1,
    };
    expect((await rejection(handler.apply(refused))).code).toBe('no');
    expect((await rejection(handler.apply(refused))).code).toBe('no');
    expect(await handler.apply(add(2))).toMatchObject({ lastAppliedSeq: 2 });
  });

  it('refuses a gap in the sequence and an unknown client past seq 1', async () => {
    const { handler } = setup();
    expect((await rejection(handler.apply(add(5, 'x', 'new')))).code).toBe('unknown_client');
    await handler.apply(add(1));
    expect((await rejection(handler.apply(add(3)))).code).toBe('mutation_gap');
  });

  it('keeps the seqs of different clients apart', async () => {
    const { handler, source } = setup();
    await handler.apply(add(1, 'a', 'A'));
    await handler.apply(add(1, 'b', 'B'));
    expect((await source.topic('todos').get()).data).toHaveLength(2);
  });

  it('reports the client seq with a snapshot, consistent with its data', async () => {
    const { handler } = setup();
    expect(await handler.snapshot('todos', 'c1')).toStrictEqual({
      revision: '0',
      epoch: 'E',
      data: null,
    });
    await handler.apply(add(1));
    expect(await handler.snapshot('todos', 'c1')).toMatchObject({
      revision: '1',
      lastAppliedSeq: 1,
    });
    expect(await handler.snapshot('todos')).not.toHaveProperty('lastAppliedSeq');
  });

  it('remembers applied seqs across a restart on a durable store', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    await setup(store).handler.apply(add(1));
    // A new source and handler over the same store: what a restarted process opens.
    const restarted = setup(store);
    expect(await restarted.handler.apply(add(1))).toMatchObject({ duplicate: true });
    expect((await restarted.source.topic('todos').get()).data).toHaveLength(1);
  });
});

describe('createMutationHandler: client ids scoped by principal', () => {
  it("keeps one user's sequence out of reach of another user who sends the same client id", async () => {
    const { handler, source } = setup();
    const events: InvalidationEvent[] = [];
    source.topic('todos').subscribe((event) => void events.push(event));
    // Mallory learned Alice's client id (it was in a mark) and sends "her" next seq first.
    await handler.apply({ ...add(1, 'mallory', 'alice-tab'), scope: 'mallory' });
    // Alice's own seq 1 is applied, not acked as a duplicate of Mallory's.
    const ack = await handler.apply({ ...add(1, 'alice', 'alice-tab'), scope: 'alice' });
    expect(ack).not.toHaveProperty('duplicate');
    const todos = (await source.topic<Array<{ id: string }>>('todos').get()).data;
    expect(todos?.map((todo) => todo.id)).toStrictEqual(['mallory', 'alice']);
    // Each user's snapshot reports its own seq; an unscoped id is a third, separate client.
    expect(await handler.snapshot('todos', 'alice-tab', 'alice')).toMatchObject({
      lastAppliedSeq: 1,
    });
    expect(await handler.snapshot('todos', 'alice-tab')).not.toHaveProperty('lastAppliedSeq');
    // The marks carry the scoped key; servers hand each client its own id back.
    const marks = events.map((event) => event.mutation?.clientId);
    expect(marks).toStrictEqual([
      scopedClientId('mallory', 'alice-tab'),
      scopedClientId('alice', 'alice-tab'),
    ]);
    expect(marks.map((mark) => unscopedClientId(mark as string))).toStrictEqual([
      'alice-tab',
      'alice-tab',
    ]);
  });

  it('refuses a scope it cannot keep apart from the id, naming the value', async () => {
    const { handler } = setup();
    for (const scope of ['', 'a\u001fb', 7 as unknown as string]) {
      await expect(handler.apply({ ...add(1), scope })).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('bad clientScope'),
      });
    }
    expect(unscopedClientId('plain')).toBe('plain');
    expect(scopedClientId(undefined, 'plain')).toBe('plain');
  });
});
