// Caps on what one peer can make the server hold: topics, requests in flight, messages before
// authentication, connections. Each holds under a flood, answers clearly and is counted.
import { describe, expect, it } from 'vitest';
import { deferred } from '../../../test-utils/async.ts';
import { type StateSyncWebSocketError, StateSyncWebSocketError as WsError } from '../src/index';
import { createSyncServer } from '../src/server';
import type { Stack } from './harness';
import { eventually, serverTestKit } from './server-helpers';

const kit = serverTestKit();

/** A raw client greeted with hello that sent nothing yet (no authenticate: no auth needed). */
async function greeted(s: Stack) {
  const client = await kit.raw(s);
  await client.next((f) => f.type === 'hello');
  return client;
}

const topicsFrom = (start: number, count: number) =>
  Array.from({ length: count }, (_, i) => `flood:${start + i}`);

describe('maxTopicsPerConnection', () => {
  it('bounds a subscribe flood at 1,000 topics by default, answers too_many_topics, and keeps serving everyone', async () => {
    const s = await kit.stack();
    await s.source.topic('board').set({ n: 1 });
    const attacker = await kit.ready(s);
    for (let i = 0; i < 5; i++)
      attacker.send({ type: 'subscribe', topics: topicsFrom(i * 1000, 1000) });
    await eventually(() =>
      expect(attacker.ofType('error').filter((f) => f.code === 'too_many_topics')).toHaveLength(4),
    );
    expect(attacker.ofType('error')[0]).toMatchObject({
      code: 'too_many_topics',
      topic: 'flood:1000',
    });
    expect(s.server.connections()[0]?.topics.size).toBe(1000);
    expect(s.server.watchedTopics()).toHaveLength(1000);
    expect(s.server.getMetrics().topicsRefused).toBe(4000);
    // The attacker's connection lives; unsubscribing makes room again.
    attacker.send({ type: 'unsubscribe', topics: ['flood:0'] });
    attacker.send({ type: 'subscribe', topics: ['board'] });
    await eventually(() => expect(s.server.connections()[0]?.topics.has('board')).toBe(true));
    // A second client is still served.
    const other = await kit.ready(s);
    other.send({ type: 'subscribe', topics: ['board'] });
    other.send({ type: 'get', id: 'g', topic: 'board' });
    expect(await other.next((f) => f.id === 'g')).toMatchObject({ data: { n: 1 } });
    await s.source.topic('board').set({ n: 2 });
    await other.next((f) => f.type === 'invalidate' && f.revision === '2');
    await attacker.next((f) => f.type === 'invalidate' && f.revision === '2');
  });

  it('is an option', async () => {
    const s = await kit.stack({ maxTopicsPerConnection: 2 });
    const client = await kit.ready(s);
    client.send({ type: 'subscribe', topics: ['a', 'b', 'c', 'a'] });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({
      code: 'too_many_topics',
      topic: 'c',
    });
    expect(s.server.connections()[0]?.topics).toEqual(new Set(['a', 'b']));
  });
});

describe('maxRequestsInFlight', () => {
  it('answers requests past the bound with too_many_requests and their id, and keeps the connection', async () => {
    const gate = deferred();
    const s = await kit.stack({
      maxRequestsInFlight: 3,
      onMutate: async () => {
        await gate.promise;
        return undefined;
      },
    });
    const client = await greeted(s);
    for (let i = 0; i < 8; i++)
      client.send({ type: 'mutate', id: `m${i}`, topic: `t${i}`, op: {} });
    await eventually(() => expect(client.ofType('error')).toHaveLength(5));
    expect(client.ofType('error').map((f) => [f.id, f.code])).toEqual(
      ['m3', 'm4', 'm5', 'm6', 'm7'].map((id) => [id, 'too_many_requests']),
    );
    expect(s.server.getMetrics().requestsRefused).toBe(5);
    gate.resolve();
    await eventually(() => expect(client.ofType('ack')).toHaveLength(3));
    // Answered requests free their slots.
    client.send({ type: 'mutate', id: 'again', topic: 't', op: {} });
    await client.next((f) => f.type === 'ack' && f.id === 'again');
  });
});

describe('maxRequestBytesInFlight', () => {
  it('bounds the bytes of mutates held behind a slow onMutate', async () => {
    const gate = deferred();
    const s = await kit.stack({
      maxRequestBytesInFlight: 200 * 1024,
      onMutate: async () => {
        await gate.promise;
        return undefined;
      },
    });
    const client = await greeted(s);
    const op = { pad: 'x'.repeat(60 * 1024) };
    for (let i = 0; i < 10; i++) client.send({ type: 'mutate', id: `m${i}`, topic: 't', op });
    await eventually(() => expect(client.ofType('error')).toHaveLength(7));
    expect(client.ofType('error').map((f) => [f.id, f.code])).toEqual(
      [3, 4, 5, 6, 7, 8, 9].map((i) => [`m${i}`, 'too_many_requests']),
    );
    gate.resolve();
    await eventually(() => expect(client.ofType('ack')).toHaveLength(3));
  });

  it('also bounds subscribes piling up behind a slow authorize, naming the first topic', async () => {
    const gate = deferred<boolean>();
    const s = await kit.stack({ maxRequestsInFlight: 4, authorize: () => gate.promise });
    const client = await greeted(s);
    for (let i = 0; i < 6; i++) client.send({ type: 'subscribe', topics: [`t${i}`] });
    await eventually(() => expect(client.ofType('error')).toHaveLength(2));
    expect(client.ofType('error').map((f) => [f.topic, f.code])).toEqual([
      ['t4', 'too_many_requests'],
      ['t5', 'too_many_requests'],
    ]);
    gate.resolve(true);
    await eventually(() => expect(s.server.watchedTopics()).toHaveLength(4));
  });
});

describe('messages before authentication', () => {
  it('closes a connection that floods while authenticate is slow with 1008; memory stays bounded and others are served', async () => {
    const slow = deferred();
    const errors: StateSyncWebSocketError[] = [];
    let calls = 0;
    const s = await kit.stack({
      authenticate: async () => {
        calls++;
        await slow.promise;
        return 'user';
      },
      onError: (error) => errors.push(error),
    });
    const flooder = await kit.raw(s);
    const pad = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 100; i++) flooder.send({ type: 'get', id: `g${i}`, topic: 'board', pad });
    const closed = await flooder.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('before authentication');
    expect(s.server.getMetrics().preAuthOverflows).toBe(1);
    expect(errors.map((e) => e.code)).toContain('pre_auth_overflow');
    expect(calls).toBe(1);
    slow.resolve();
    const honest = await kit.raw(s);
    honest.send({ type: 'auth', token: 't' });
    honest.send({ type: 'subscribe', topics: ['board'] });
    await honest.next((f) => f.type === 'hello');
    expect(flooder.ofType('hello')).toEqual([]);
  });

  it('counts both messages and bytes', async () => {
    const never = deferred<string>();
    const s = await kit.stack({ authenticate: () => never.promise, maxPreAuthMessages: 3 });
    const client = await kit.raw(s);
    for (let i = 0; i < 4; i++) client.send({ type: 'subscribe', topics: ['x'] });
    expect((await client.closed).code).toBe(1008);
    const bytes = await kit.stack({ authenticate: () => never.promise, maxPreAuthBytes: 1000 });
    const big = await kit.raw(bytes);
    big.send({ type: 'auth', token: 'y'.repeat(600) });
    big.send({ type: 'auth', token: 'y'.repeat(600) });
    expect((await big.closed).code).toBe(1008);
  });
});

describe('maxConnections', () => {
  it('closes connections past the bound with 1013 and admits again once one leaves', async () => {
    const s = await kit.stack({ maxConnections: 2 });
    const a = await kit.ready(s);
    await kit.ready(s);
    const third = await kit.raw(s);
    expect(await third.closed).toEqual({
      code: 1013,
      reason: 'server is at maxConnections: try again later',
    });
    expect(third.ofType('hello')).toEqual([]);
    expect(s.server.getMetrics()).toMatchObject({ connections: 2, connectionsRefused: 1 });
    a.ws.close();
    await eventually(() => expect(s.server.connections()).toHaveLength(1));
    await kit.ready(s);
  });
});

describe('cap options', () => {
  it('refuses a cap that is not a positive integer with invalid_argument', async () => {
    const s = await kit.stack();
    for (const bad of [
      { maxTopicsPerConnection: 0 },
      { maxRequestsInFlight: 1.5 },
      { maxPreAuthMessages: -1 },
      { maxPreAuthBytes: Number.NaN },
      { maxConnections: 0 },
    ]) {
      await expect(createSyncServer({ source: s.source, ...bad })).rejects.toBeInstanceOf(WsError);
      await expect(createSyncServer({ source: s.source, ...bad })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
  });
});
