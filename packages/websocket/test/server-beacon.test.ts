// The beacon round is bounded work per event-loop turn, and a large beacon is split in frames.
import { createSource, type Source } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, serverTestKit } from './server-helpers';

const kit = serverTestKit();

afterEach(() => {
  vi.useRealTimers();
});

/** A source that counts reads, and notes how many had happened when the event loop first turned. */
function countingSource(): { source: Source; reads: () => number; atFirstTurn: () => number } {
  const inner = createSource();
  let reads = 0;
  let atFirstTurn = -1;
  const source = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'topic') return Reflect.get(target, property, receiver);
      return (name: string, options?: { initial?: unknown }) => {
        const topic = target.topic(name, options);
        return new Proxy(topic, {
          get(t, p, r) {
            if (p !== 'get') return Reflect.get(t, p, r);
            return () => {
              if (reads++ === 0) setImmediate(() => (atFirstTurn = reads));
              return t.get();
            };
          },
        });
      };
    },
  });
  return { source, reads: () => reads, atFirstTurn: () => atFirstTurn };
}

describe('beacon', () => {
  it('reads at most beaconSliceSize topics before letting the event loop turn, and splits a large beacon', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const counting = countingSource();
    const s = await kit.stack({
      source: counting.source,
      beaconMs: 1000,
      beaconSliceSize: 100,
      maxTopicsPerConnection: 5000,
    });
    const topics = Array.from({ length: 2500 }, (_, i) => `t${i}`);
    const client = await kit.ready(s);
    for (let i = 0; i < topics.length; i += 1000)
      client.send({ type: 'subscribe', topics: topics.slice(i, i + 1000) });
    await eventually(() => expect(s.server.watchedTopics()).toHaveLength(2500));
    await vi.advanceTimersByTimeAsync(1000);
    await eventually(() => expect(client.ofType('beacon')).toHaveLength(25));
    expect(counting.reads()).toBe(2500);
    // Sockets (and anything else) got a turn after the first slice, not after all 2,500 reads.
    expect(counting.atFirstTurn()).toBeLessThanOrEqual(100);
    const seen = new Map<string, unknown>();
    for (const beacon of client.ofType('beacon')) {
      const revisions = beacon.revisions as Record<string, string>;
      expect(Object.keys(revisions).length).toBeLessThanOrEqual(100);
      for (const [topic, revision] of Object.entries(revisions)) seen.set(topic, revision);
    }
    expect([...seen.keys()].sort()).toEqual([...topics].sort());
    expect(new Set(seen.values())).toEqual(new Set(['0']));
  });

  it('still sends an empty beacon (the heartbeat) to a connection without topics', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = await kit.stack({ beaconMs: 1000 });
    const client = await kit.ready(s);
    await vi.advanceTimersByTimeAsync(1000);
    const beacon = await client.next((f) => f.type === 'beacon');
    expect(beacon).toEqual({ type: 'beacon', revisions: {}, epoch: await s.source.getEpoch() });
  });
});
