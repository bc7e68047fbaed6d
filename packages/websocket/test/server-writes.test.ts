// The server's write path over real sockets: mutator `mutate` → ack / refusal / unavailable,
// exactly once per (clientId, seq), the mutation mark only to its own client, snapshots with
// lastAppliedSeq, and the untyped onMutate kept as the escape hatch.
import { createMemoryStore, createSource } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { eventually, serverTestKit } from './server-helpers';
import { mutators } from './write-fixtures';

const kit = serverTestKit();
const add = (id: string, seq: number, clientId = 'c1', text = 'milk') => ({
  type: 'mutate',
  id,
  topic: 'todos',
  name: 'addTodo',
  args: { id: `t${seq}`, text },
  clientId,
  seq,
});

describe('server: mutators', () => {
  it('applies a mutation once, acks it, and acks its resend as a duplicate', async () => {
    const s = await kit.stack({ mutators });
    const c = await kit.ready(s);
    c.send(add('1', 1));
    const ack = await c.next((f) => f.id === '1');
    expect(ack).toMatchObject({ type: 'ack', lastAppliedSeq: 1 });
    expect(ack.epoch).toBe((await s.source.topic('todos').get()).epoch);
    expect(ack.duplicate).toBeUndefined();
    c.send(add('2', 1));
    expect(await c.next((f) => f.id === '2')).toMatchObject({
      type: 'ack',
      duplicate: true,
      revision: ack.revision,
    });
    expect((await s.source.topic('todos').get()).data).toStrictEqual([{ id: 't1', text: 'milk' }]);
    expect(s.server.getMetrics()).toMatchObject({ mutationsApplied: 1, mutationsDuplicate: 1 });
  });

  it("answers a refusal with the mutator's own code and message, rejected: true", async () => {
    const s = await kit.stack({ mutators });
    const c = await kit.ready(s);
    c.send({
      type: 'mutate',
      id: '1',
      topic: 'alerts',
      name: 'configure',
      args: { warningPercent: 5 },
      clientId: 'c1',
      seq: 1,
    });
    expect(await c.next((f) => f.id === '1')).toStrictEqual({
      type: 'error',
      id: '1',
      topic: 'alerts',
      code: 'threshold_too_low',
      message: 'a warning at 5% would fire on every request: use 10% or more',
      rejected: true,
    });
    c.send(add('2', 2, 'c1', ''));
    expect(await c.next((f) => f.id === '2')).toMatchObject({
      code: 'invalid_args',
      rejected: true,
    });
    expect(s.server.getMetrics().mutationsRejected).toBe(2);
  });

  it('refuses an unauthorised topic with forbidden, before running anything', async () => {
    const s = await kit.stack({ mutators, authorize: (_p, topic) => topic !== 'todos' });
    const c = await kit.ready(s);
    c.send(add('1', 1));
    expect(await c.next((f) => f.id === '1')).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(s.server.getMetrics().mutationsApplied).toBe(0);
  });

  it('answers a store outage with unavailable, hiding the detail, reported to onError', async () => {
    const errors: unknown[] = [];
    const store = createMemoryStore();
    const source = createSource({ store });
    const s = await kit.stack({ source, mutators, onError: (e) => errors.push(e) });
    store.write = () => Promise.reject(new Error('disk /var/db is full'));
    const c = await kit.ready(s);
    c.send(add('1', 1));
    const error = await c.next((f) => f.id === '1');
    expect(error).toMatchObject({ type: 'error', code: 'unavailable' });
    expect(JSON.stringify(error)).not.toContain('/var/db');
    expect(error.rejected).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ code: 'unavailable' })]);
    expect(s.server.getMetrics().mutationsFailed).toBe(1);
  });

  it('sends the mutation mark only to the connection of the client that made it', async () => {
    const s = await kit.stack({ mutators });
    const mine = await kit.ready(s);
    const other = await kit.ready(s);
    for (const c of [mine, other]) c.send({ type: 'subscribe', topics: ['todos'] });
    other.send({ type: 'get', id: 'g', topic: 'todos', clientId: 'c2' });
    await other.next((f) => f.id === 'g');
    mine.send(add('1', 1));
    await mine.next((f) => f.id === '1');
    const marked = await mine.next((f) => f.type === 'invalidate');
    expect(marked.mutation).toStrictEqual({ clientId: 'c1', seq: 1 });
    const plain = await other.next((f) => f.type === 'invalidate');
    expect(plain.mutation).toBeUndefined();
    expect(other.raw.filter((frame) => frame.includes('clientId'))).toStrictEqual([]);
  });

  it('answers a get with clientId with that client’s lastAppliedSeq', async () => {
    const s = await kit.stack({ mutators });
    const c = await kit.ready(s);
    c.send(add('1', 1));
    c.send(add('2', 2));
    await c.next((f) => f.id === '2');
    c.send({ type: 'get', id: 'g1', topic: 'todos', clientId: 'c1' });
    c.send({ type: 'get', id: 'g2', topic: 'todos' });
    expect(await c.next((f) => f.id === 'g1')).toMatchObject({
      type: 'snapshot',
      lastAppliedSeq: 2,
      data: [
        { id: 't1', text: 'milk' },
        { id: 't2', text: 'milk' },
      ],
    });
    expect((await c.next((f) => f.id === 'g2')).lastAppliedSeq).toBeUndefined();
  });

  it("with clientScope, a client id sent first by another user leaves this user's sequence alone", async () => {
    const s = await kit.stack({
      mutators,
      authenticate: (_request, auth) => auth?.token,
      clientScope: (user) => user as string,
    });
    const mallory = await kit.ready(s, 'mallory');
    const alice = await kit.ready(s, 'alice');
    alice.send({ type: 'subscribe', topics: ['todos'] });
    // Mallory learned Alice's client id and sends "her" seq 1 first.
    mallory.send(add('m', 1, 'alice-tab', 'from mallory'));
    expect(await mallory.next((f) => f.id === 'm')).toMatchObject({
      type: 'ack',
      lastAppliedSeq: 1,
    });
    alice.send(add('a', 1, 'alice-tab', 'from alice'));
    const ack = await alice.next((f) => f.id === 'a');
    expect(ack).toMatchObject({ type: 'ack', lastAppliedSeq: 1 });
    expect(ack.duplicate).toBeUndefined();
    expect((await s.source.topic('todos').get()).data).toHaveLength(2);
    // Alice's mark names the id her client knows; Mallory's write carried none to her.
    const marked = await alice.next((f) => f.type === 'invalidate' && f.revision === ack.revision);
    expect(marked.mutation).toStrictEqual({ clientId: 'alice-tab', seq: 1 });
    expect(alice.raw.filter((frame) => frame.includes('"mutation"'))).toHaveLength(1);
    alice.send({ type: 'get', id: 'g', topic: 'todos', clientId: 'alice-tab' });
    expect(await alice.next((f) => f.id === 'g')).toMatchObject({ lastAppliedSeq: 1 });
  });

  it('refuses to start with mutators on a store that does not record mutations', async () => {
    const store = createMemoryStore();
    const bare = { ...store, lastMutation: undefined, recordMutation: undefined };
    await expect(
      kit.stack({ source: createSource({ store: bare }), mutators }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe('server: the untyped onMutate escape hatch', () => {
  it('still takes op mutates, and a mutator mutate without mutators is unsupported', async () => {
    const s = await kit.stack({
      onMutate: ({ source, op }) => source.topic('notes').set(op),
    });
    const c = await kit.ready(s);
    c.send({ type: 'mutate', id: '1', topic: 'notes', op: ['a'] });
    expect(await c.next((f) => f.id === '1')).toMatchObject({ type: 'ack' });
    c.send(add('2', 1));
    expect(await c.next((f) => f.id === '2')).toMatchObject({ code: 'unsupported' });
  });

  it('falls back to onMutate for an op on a server that also has mutators', async () => {
    const s = await kit.stack({
      mutators,
      onMutate: ({ source, op }) => source.topic('notes').set(op),
    });
    const c = await kit.ready(s);
    c.send({ type: 'mutate', id: '1', topic: 'notes', op: ['a'] });
    await c.next((f) => f.id === '1');
    await eventually(async () =>
      expect((await s.source.topic('notes').get()).data).toStrictEqual(['a']),
    );
  });

  it('maps a compare-and-set conflict of the source to conflict', async () => {
    const s = await kit.stack({
      onMutate: ({ source, op, baseRevision }) =>
        source.topic('notes').set(op, { ifRevision: baseRevision ?? '0' }),
    });
    await s.source.topic('notes').set(['first']);
    const c = await kit.ready(s);
    c.send({ type: 'mutate', id: '1', topic: 'notes', op: ['stale'], baseRevision: '0' });
    expect(await c.next((f) => f.id === '1')).toMatchObject({ type: 'error', code: 'conflict' });
  });
});
