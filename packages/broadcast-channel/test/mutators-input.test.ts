// Bad input on the write path's new fields, from another tab: rejected with an error naming the
// field, reported through onError and counted, never a crash; and a flood of clients stays bounded.
import { createSource } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BroadcastChannelError,
  createBroadcastChannelHost,
  createBroadcastChannelWriteClient,
  createIndexedDbStore,
} from '../src/index';
import { openWire, uniqueAppId } from './helpers';
import { gatedStore, mutators } from './write-fixtures';

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

function hostOn(appId: string, maxClients = 10_000) {
  const store = createIndexedDbStore({
    dbName: appId,
    indexedDB: new IDBFactory(),
    mutations: { maxClients },
  });
  const source = createSource({ store });
  const errors: BroadcastChannelError[] = [];
  const host = createBroadcastChannelHost({
    appId,
    source,
    mutators,
    onError: (error) => errors.push(error),
  });
  closers.push(
    () => source.close(),
    () => host.close(),
  );
  return { host, store, source, errors };
}

const mutate = { type: 'mutate', topic: 'todos', name: 'addTodo', args: { id: 'a', text: 'x' } };

describe('malformed write-path fields sent to the host', () => {
  it.each([
    ['seq 0', { ...mutate, clientId: 'c', seq: 0 }, 'seq'],
    ['a fractional seq', { ...mutate, clientId: 'c', seq: 1.5 }, 'seq'],
    ['a seq that is a string', { ...mutate, clientId: 'c', seq: '1' }, 'seq'],
    ['an empty clientId', { ...mutate, clientId: '', seq: 1 }, 'clientId'],
    [
      'a clientId over 128 characters',
      { ...mutate, clientId: 'x'.repeat(129), seq: 1 },
      'clientId',
    ],
    ['a name without clientId and seq', { ...mutate }, 'name, clientId and seq'],
    [
      'clientId and seq without a name',
      { type: 'mutate', topic: 'todos', op: 1, clientId: 'c', seq: 1 },
      'name, clientId and seq',
    ],
    ['both a name and an op', { ...mutate, op: 'x', clientId: 'c', seq: 1 }, 'exactly one'],
    [
      'a name over 128 characters',
      { ...mutate, name: 'n'.repeat(129), clientId: 'c', seq: 1 },
      'name',
    ],
    ['a get with an empty clientId', { type: 'get', topic: 'todos', clientId: '' }, 'clientId'],
  ])('rejects a request with %s, answering it with bad_request', async (_label, body, problem) => {
    const appId = uniqueAppId('bad');
    const wire = openWire(appId);
    const { host, errors } = hostOn(appId);
    wire.send({ ...body, id: 'r1' }, 'raw');
    await until(() => wire.of('error').length === 1);
    expect(wire.of('error')[0]).toMatchObject({ id: 'r1', to: 'raw', code: 'bad_request' });
    expect(wire.of('error')[0]).not.toHaveProperty('rejected');
    expect(String(wire.of('error')[0]!.message)).toContain(problem);
    expect(host.getMetrics()).toMatchObject({ invalid: 1, mutations: 0 });
    expect(errors.map((e) => e.code)).toStrictEqual(['invalid_message']);
  });

  it('survives a flood of malformed mutations and still applies the next good one', async () => {
    const appId = uniqueAppId('flood');
    const wire = openWire(appId);
    const { host, errors } = hostOn(appId);
    for (let i = 0; i < 500; i++)
      wire.send({ ...mutate, id: `bad${i}`, clientId: 'c', seq: -i }, 'raw');
    wire.send({ ...mutate, id: 'good', clientId: 'c', seq: 1 }, 'raw');
    await until(() => wire.of('ack').length === 1);
    expect(host.getMetrics()).toMatchObject({ invalid: 500, mutations: 1 });
    expect(errors).toHaveLength(500);
  });
});

describe('malformed write-path fields sent to a client', () => {
  it('counts and reports them, and keeps waiting for the real answer', async () => {
    const appId = uniqueAppId('badc');
    const wire = openWire(appId);
    const errors: BroadcastChannelError[] = [];
    const client = createBroadcastChannelWriteClient({
      appId,
      mutators,
      onError: (error) => errors.push(error),
    });
    closers.push(() => client.close());
    const done = client.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    await until(() => wire.of('mutate').length === 1);
    const request = wire.of('mutate')[0]!;
    const reply = { to: client.id, id: request.id, topic: 'todos' };
    wire.send({ type: 'ack', ...reply, revision: '1', epoch: 'E', lastAppliedSeq: -1 }, 'evil');
    wire.send(
      { type: 'ack', ...reply, revision: '1', epoch: 'E', lastAppliedSeq: 1, duplicate: 'yes' },
      'evil',
    );
    wire.send({ type: 'error', ...reply, code: 'x', message: 'y', rejected: 'yes' }, 'evil');
    wire.send(
      { type: 'error', ...reply, code: 'c'.repeat(201), message: 'y', rejected: true },
      'evil',
    );
    wire.send(
      { type: 'invalidate', topic: 'todos', revision: '1', mutation: { clientId: '', seq: 1 } },
      'evil',
    );
    wire.send(
      { type: 'invalidate', topic: 'todos', revision: '1', mutation: { clientId: 'c', seq: 0.5 } },
      'evil',
    );
    wire.send(
      { type: 'snapshot', ...reply, id: 'other', revision: '1', data: [], lastAppliedSeq: 'one' },
      'evil',
    );
    await until(() => client.getMetrics().invalid === 7);
    expect(errors.map((e) => e.code)).toStrictEqual(Array(7).fill('invalid_message'));
    // The real host's answer still settles the mutation.
    wire.send({ type: 'ack', ...reply, revision: '2', epoch: 'E', lastAppliedSeq: 1 }, 'host');
    await expect(done).resolves.toStrictEqual({ revision: '2', epoch: 'E', lastAppliedSeq: 1 });
  });
});

describe('a flood of mutator calls', () => {
  it('applies at most maxMutationsInFlight at once and turns the rest away, counted, not refused', async () => {
    const appId = uniqueAppId('busy');
    const wire = openWire(appId);
    const gated = gatedStore();
    const source = createSource({ store: gated.store });
    const host = createBroadcastChannelHost({ appId, source, mutators, maxMutationsInFlight: 5 });
    closers.push(
      () => source.close(),
      () => host.close(),
    );
    for (let i = 0; i < 20; i++)
      wire.send({ ...mutate, id: `m${i}`, clientId: `c${i}`, seq: 1 }, 'raw');
    await until(() => wire.of('error').length === 15);
    expect(wire.of('error').every((m) => m.code === 'internal' && m.rejected === undefined)).toBe(
      true,
    );
    expect(host.getMetrics()).toMatchObject({ busy: 15, mutations: 0 });
    gated.release();
    await until(() => wire.of('ack').length === 5);
    expect(host.getMetrics()).toMatchObject({ busy: 15, mutations: 5 });
  });

  it('refuses a maxMutationsInFlight that is not a positive integer', () => {
    const source = createSource();
    expect(() =>
      createBroadcastChannelHost({ appId: 'a', source, mutators, maxMutationsInFlight: 0 }),
    ).toThrowError(/maxMutationsInFlight/);
  });
});

describe('a flood of distinct clients', () => {
  it('keeps at most maxClients of them in the IndexedDB store, counting the rest as evicted', async () => {
    const appId = uniqueAppId('clients');
    const wire = openWire(appId);
    const { store, host } = hostOn(appId, 20);
    for (let i = 0; i < 100; i++)
      wire.send({ ...mutate, id: `m${i}`, clientId: `c${i}`, seq: 1 }, 'raw');
    await until(() => wire.of('ack').length === 100);
    expect(host.getMetrics().mutations).toBe(100);
    expect(store.getMetrics().clientsEvicted).toBe(80);
    expect(await store.lastMutation('c0')).toBeUndefined();
    expect(await store.lastMutation('c99')).toStrictEqual({ seq: 1 });
  });
});
