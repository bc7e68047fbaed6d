import { describe, expect, it, vi } from 'vitest';
import {
  createMemoryStore,
  createSource,
  type InvalidationEvent,
  type SourceStore,
  type TopicRecord,
} from '../src/index';

describe('createSource', () => {
  it('serves revision "0" with the initial data before the first write', async () => {
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    expect(await source.topic('t', { initial: { n: 0 } }).get()).toEqual({
      revision: '0',
      epoch: 'E',
      data: { n: 0 },
    });
    expect(await source.topic('never-defined').get()).toEqual({
      revision: '0',
      epoch: 'E',
      data: null,
    });
  });

  it('bumps the revision on every write and emits one invalidation per write', async () => {
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    const events: InvalidationEvent[] = [];
    source.topic('t').subscribe((event) => events.push(event));
    await source.topic('t').set({ n: 1 });
    await source.topic('t').set({ n: 2 }, { sourceId: 'tab-1' });
    expect(events).toStrictEqual([
      { topic: 't', revision: '1', epoch: 'E' },
      { topic: 't', revision: '2', epoch: 'E', sourceId: 'tab-1' },
    ]);
    expect(await source.topic('t').get()).toEqual({ revision: '2', epoch: 'E', data: { n: 2 } });
  });

  it('serialises concurrent updates so none is lost', async () => {
    const source = createSource();
    const counter = source.topic('counter', { initial: 0 });
    await Promise.all(Array.from({ length: 100 }, () => counter.update((n) => n + 1)));
    expect(await counter.get()).toMatchObject({ revision: '100', data: 100 });
  });

  it('keeps a copy: mutating the object after set() does not change the stored revision', async () => {
    const source = createSource();
    const data = { items: ['a'] };
    await source.topic('t').set(data);
    data.items.push('b');
    expect((await source.topic('t').get()).data).toEqual({ items: ['a'] });
  });

  it('retries a write that lost a race in a shared store, then fails with write_conflict', async () => {
    const inner = createMemoryStore({ epoch: 'E' });
    let conflicts = 2;
    const store: SourceStore = {
      ...inner,
      async write(topic, data, expected, meta) {
        if (conflicts-- > 0) return undefined;
        return inner.write(topic, data, expected, meta);
      },
    };
    const source = createSource({ store });
    await expect(source.topic('t').set(1)).resolves.toMatchObject({ revision: '1' });
    conflicts = 100;
    await expect(source.topic('t').set(2)).rejects.toMatchObject({ code: 'write_conflict' });
    // A failed write does not block the next one.
    conflicts = 0;
    await expect(source.topic('t').set(3)).resolves.toMatchObject({ revision: '2' });
  });

  it("re-emits a shared store's changes from other processes once, not our own echo", async () => {
    let push: ((event: InvalidationEvent) => void) | undefined;
    const inner = createMemoryStore({ epoch: 'E' });
    const store: SourceStore = {
      ...inner,
      subscribe: (listener) => {
        push = listener;
        return () => {};
      },
    };
    const source = createSource({ store });
    const events: InvalidationEvent[] = [];
    source.subscribe((event) => events.push(event));
    await source.topic('t').set(1);
    push!({ topic: 't', revision: '1', epoch: 'E' }); // our own write, echoed back
    push!({ topic: 't', revision: '2', epoch: 'E', sourceId: 'node-b' }); // another node's
    expect(events.map((e) => e.revision)).toStrictEqual(['1', '2']);
  });

  it('counts listeners and releases them on unsubscribe and close', async () => {
    const source = createSource();
    const offA = source.topic('a').subscribe(() => {});
    source.topic('b').subscribe(() => {});
    source.subscribe(() => {});
    expect(source.listenerCount()).toBe(3);
    offA();
    offA();
    expect(source.listenerCount()).toBe(2);
    await source.close();
    expect(source.listenerCount()).toBe(0);
  });

  it('rejects an empty topic name and a listener that is not a function', () => {
    const source = createSource();
    expect(() => source.topic('')).toThrowError(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => source.subscribe('nope' as never)).toThrowError(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('gives every memory store its own epoch', async () => {
    const a = await createMemoryStore().getEpoch();
    const b = await createMemoryStore().getEpoch();
    expect(a).not.toBe(b);
    const record: TopicRecord | undefined = await createMemoryStore().read('x');
    expect(record).toBeUndefined();
  });

  it('calls each listener with its own copy of the event', async () => {
    const source = createSource();
    const first = vi.fn((event: InvalidationEvent) => {
      (event as { revision: string }).revision = 'tampered';
    });
    const second = vi.fn();
    source.topic('t').subscribe(first);
    source.topic('t').subscribe(second);
    await source.topic('t').set(1);
    expect(second).toHaveBeenCalledWith(expect.objectContaining({ revision: '1' }));
  });
});
