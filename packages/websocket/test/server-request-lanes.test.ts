// Requests of one connection do not wait behind a slow one of another kind: a slow `mutate` never
// delays a `get` or a `subscribe`; mutates of one topic still apply in order.
import { describe, expect, it } from 'vitest';
import { type Deferred, deferred } from '../../../test-utils/async.ts';
import { eventually, serverTestKit } from './server-helpers';

const kit = serverTestKit();

describe('request lanes', () => {
  it('answers a get (and serves a subscribe) while a slow onMutate of the same connection is pending', async () => {
    const slow = deferred();
    const log: string[] = [];
    const s = await kit.stack({
      onMutate: async ({ topic, op, source }) => {
        log.push(`mutate:start:${(op as { n: number }).n}`);
        await slow.promise; // stands for a 2 s write
        log.push(`mutate:end:${(op as { n: number }).n}`);
        return source.topic(topic).set(op);
      },
    });
    await s.source.topic('board').set({ n: 0 });
    const client = await kit.ready(s);
    client.send({ type: 'mutate', id: 'm1', topic: 'board', op: { n: 1 } });
    await eventually(() => expect(log).toEqual(['mutate:start:1']));
    client.send({ type: 'get', id: 'g1', topic: 'board' });
    client.send({ type: 'subscribe', topics: ['news'] });
    expect(await client.next((f) => f.id === 'g1')).toMatchObject({
      type: 'snapshot',
      data: { n: 0 },
    });
    await eventually(() => expect(s.server.watchedTopics()).toContain('news'));
    await s.source.topic('news').set('extra');
    await client.next((f) => f.type === 'invalidate' && f.topic === 'news');
    expect(client.ofType('ack')).toEqual([]); // the mutate is still pending all along
    slow.resolve();
    expect(await client.next((f) => f.id === 'm1')).toEqual({
      type: 'ack',
      id: 'm1',
      revision: '2',
    });
    expect(log).toEqual(['mutate:start:1', 'mutate:end:1']);
  });

  it('applies the mutates of one topic in order, and those of other topics alongside', async () => {
    const gates = new Map<number, Deferred>();
    const log: string[] = [];
    const s = await kit.stack({
      onMutate: async ({ topic, op }) => {
        const { n } = op as { n: number };
        log.push(`start:${topic}:${n}`);
        const gate = deferred();
        gates.set(n, gate);
        await gate.promise;
        log.push(`end:${topic}:${n}`);
        return undefined;
      },
    });
    const client = await kit.ready(s);
    client.send({ type: 'mutate', id: 'a1', topic: 'a', op: { n: 1 } });
    client.send({ type: 'mutate', id: 'a2', topic: 'a', op: { n: 2 } });
    client.send({ type: 'mutate', id: 'b3', topic: 'b', op: { n: 3 } });
    await eventually(() => expect(log).toEqual(['start:a:1', 'start:b:3']));
    gates.get(3)?.resolve();
    await client.next((f) => f.id === 'b3');
    expect(log).toEqual(['start:a:1', 'start:b:3', 'end:b:3']); // a2 still waits for a1
    gates.get(1)?.resolve();
    await eventually(() => expect(log).toContain('start:a:2'));
    gates.get(2)?.resolve();
    await client.next((f) => f.id === 'a2');
    expect(log).toEqual(['start:a:1', 'start:b:3', 'end:b:3', 'end:a:1', 'start:a:2', 'end:a:2']);
    expect(client.ofType('ack').map((f) => f.id)).toEqual(['b3', 'a1', 'a2']);
  });

  it('keeps subscribe before a get that follows it: the get sees the subscription in force', async () => {
    let release: (() => void) | undefined;
    const s = await kit.stack({
      authorize: (_principal, topic) =>
        topic === 'slow'
          ? new Promise<boolean>((resolve) => (release = () => resolve(true)))
          : true,
    });
    const client = await kit.ready(s);
    client.send({ type: 'subscribe', topics: ['slow'] });
    client.send({ type: 'get', id: 'g', topic: 'other' });
    await eventually(() => expect(release).toBeDefined());
    expect(client.ofType('snapshot')).toEqual([]);
    release?.();
    await client.next((f) => f.id === 'g');
    expect(s.server.connections()[0]?.topics.has('slow')).toBe(true);
  });
});
