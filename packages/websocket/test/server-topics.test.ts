// The topic name rule on the server: names that cannot be safe object keys never get in.
import { describe, expect, it } from 'vitest';
import { isTopicName, RESERVED_TOPIC_NAMES, topicNameProblem } from '../src/index';
import { eventually, serverTestKit } from './server-helpers';

const kit = serverTestKit();

describe('the topic rule', () => {
  it('accepts ordinary names and refuses blank, too long and reserved ones, saying why', () => {
    expect(isTopicName('room:42')).toBe(true);
    expect(isTopicName('x'.repeat(256))).toBe(true);
    expect(RESERVED_TOPIC_NAMES).toEqual(['__proto__', 'constructor', 'prototype']);
    for (const name of ['', '  ', 'x'.repeat(257), '__proto__', 'constructor', 'prototype', 7]) {
      expect(isTopicName(name)).toBe(false);
      expect(topicNameProblem(name)).toEqual(expect.any(String));
    }
    expect(topicNameProblem('__proto__')).toContain('topic "__proto__" is reserved');
  });
});

describe('reserved topics on the wire', () => {
  it('answers subscribe and get of __proto__ with invalid_topic, keeps the connection, and still serves other topics', async () => {
    const s = await kit.stack();
    await s.source.topic('ok').set({ n: 1 });
    const client = await kit.ready(s);
    client.send('{"type":"subscribe","topics":["__proto__"]}');
    client.send('{"type":"get","id":"g1","topic":"__proto__"}');
    client.send('{"type":"get","id":"g2","topic":"constructor"}');
    client.send({ type: 'subscribe', topics: ['ok'] });
    client.send({ type: 'get', id: 'g3', topic: 'ok' });
    expect(await client.next((f) => f.id === 'g1')).toMatchObject({
      type: 'error',
      code: 'invalid_topic',
    });
    expect(await client.next((f) => f.id === 'g2')).toMatchObject({ code: 'invalid_topic' });
    expect(await client.next((f) => f.type === 'error' && f.id === undefined)).toMatchObject({
      code: 'invalid_topic',
      message: expect.stringContaining('__proto__'),
    });
    expect(await client.next((f) => f.id === 'g3')).toMatchObject({ type: 'snapshot' });
    await eventually(() => expect(s.server.watchedTopics()).toEqual(['ok']));
    expect(s.server.getMetrics().badMessages).toBe(3);
    expect(client.ws.readyState).toBe(1);
  });

  it('never lets a beacon lose a topic: every subscribed topic is an own key of revisions', async () => {
    const s = await kit.stack({ beaconMs: 30 });
    await s.source.topic('hasOwnProperty').set(1);
    await s.source.topic('toString').set(2);
    const client = await kit.ready(s);
    client.send({ type: 'subscribe', topics: ['hasOwnProperty', 'toString'] });
    const beacon = await client.next(
      (f) => f.type === 'beacon' && Object.keys(f.revisions as object).length === 2,
    );
    expect(beacon.revisions).toEqual({ hasOwnProperty: '1', toString: '1' });
  });
});
