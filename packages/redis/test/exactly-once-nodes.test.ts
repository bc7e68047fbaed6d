// The write path over Redis with two server nodes: a mutation resent to the other node, or sent
// to both at once, is applied once.
import {
  createMutationHandler,
  createSource,
  defineMutators,
  MutationRejected,
} from '@state-sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Fixture, openFixture, redisAvailable } from './redis-harness';

const counter = defineMutators({
  add: {
    args: z.object({ by: z.number() }),
    apply(state: number | null, args) {
      if (args.by < 0) throw new MutationRejected('negative', `cannot add ${args.by}`);
      return (state ?? 0) + args.by;
    },
  },
});

const add = (seq: number, by: number) => ({
  topic: 'n',
  name: 'add',
  args: { by },
  clientId: 'c',
  seq,
});

describe.skipIf(!redisAvailable)('exactly-once across nodes', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  async function node(f: Fixture) {
    const source = createSource({ store: await f.store() });
    return { source, handler: createMutationHandler({ source, mutators: { n: counter } }) };
  }

  it('applies a mutation resent to another node, or sent to two nodes at once, once', async () => {
    fixture = await openFixture();
    const a = await node(fixture);
    const b = await node(fixture);
    expect(await a.handler.apply(add(1, 5))).toMatchObject({ revision: '1', lastAppliedSeq: 1 });
    expect(await b.handler.apply(add(1, 5))).toMatchObject({ revision: '1', duplicate: true });

    const both = await Promise.all([a.handler.apply(add(2, 3)), b.handler.apply(add(2, 3))]);
    expect(both.filter((ack) => ack.duplicate)).toHaveLength(1);
    expect((await b.source.topic('n').get()).data).toBe(8);

    await expect(a.handler.apply(add(3, -1))).rejects.toMatchObject({ code: 'negative' });
    await expect(b.handler.apply(add(3, -1))).rejects.toMatchObject({
      code: 'negative',
      message: 'cannot add -1',
    });
    // On b: core's handler starts a read for a duplicate before it knows it will rethrow the
    // refusal, and leaves it running; this read queues behind it on b's connection, so b is not
    // closed under it (an unhandled rejection otherwise).
    expect((await b.source.topic('n').get()).revision).toBe('2');
  });
});
