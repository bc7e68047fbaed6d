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

describe('topic.set compare-and-set (ifRevision)', () => {
  it('writes when the topic is still at ifRevision and resolves with the revision it wrote', async () => {
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    const topic = source.topic('t');
    await expect(topic.set('a', { ifRevision: '0' })).resolves.toStrictEqual({
      revision: '1',
      epoch: 'E',
      data: 'a',
    });
    await expect(topic.set('b', { ifRevision: '1' })).resolves.toMatchObject({ revision: '2' });
    await expect(topic.update(() => 'c')).resolves.toMatchObject({ revision: '3', data: 'c' });
  });

  it('refuses with conflict when the topic moved, writing and emitting nothing', async () => {
    const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
    const topic = source.topic('t');
    const events: InvalidationEvent[] = [];
    topic.subscribe((event) => events.push(event));
    await topic.set('a');
    await topic.set('b');
    await expect(topic.set('stale', { ifRevision: '1' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(topic.set('stale', { ifRevision: '0' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await topic.get()).toMatchObject({ revision: '2', data: 'b' });
    expect(events.map((e) => e.revision)).toStrictEqual(['1', '2']);
  });

  it('refuses with conflict when another process writes between its read and its write', async () => {
    const inner = createMemoryStore({ epoch: 'E' });
    let writes = 0;
    const store: SourceStore = {
      ...inner,
      async write(topic, data, expected, meta) {
        // Another node lands revision 1 right before our compare-and-set reaches the store.
        if (writes++ === 0) await inner.write(topic, 'other node', expected);
        return inner.write(topic, data, expected, meta);
      },
    };
    const source = createSource({ store });
    await expect(source.topic('t').set('mine', { ifRevision: '0' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await source.topic('t').get()).toMatchObject({ revision: '1', data: 'other node' });
  });

  it('rejects a non-canonical ifRevision and a delta without ifRevision', async () => {
    const topic = createSource().topic('t');
    await expect(topic.set(1, { ifRevision: '01' })).rejects.toMatchObject({
      code: 'invalid_revision',
    });
    await expect(topic.set(1, { delta: [] })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(topic.set(1, { ifRevision: '0', delta: 'x' as never })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect((await topic.get()).revision).toBe('0');
  });
});

describe('deltas through the source', () => {
  it('records the delta in the store and carries it on the invalidation with its base', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const source = createSource({ store });
    const events: InvalidationEvent[] = [];
    source.subscribe((event) => events.push(event));
    const ops = [{ op: 'replace', path: '/n', value: 2 }];
    await source.topic('t').set({ n: 1 });
    await source.topic('t').set({ n: 2 }, { ifRevision: '1', delta: ops, sourceId: 'tab' });
    expect(events).toStrictEqual([
      { topic: 't', revision: '1', epoch: 'E' },
      {
        topic: 't',
        revision: '2',
        epoch: 'E',
        sourceId: 'tab',
        delta: { baseRevision: '1', ops },
      },
    ]);
    expect(await store.readSince('t', 'E', '1')).toStrictEqual([{ revision: '2', ops }]);
  });
});

describe('computed deltas (createSource({ diff, applyDelta }))', () => {
  // Stand-ins for diffStates / applyDelta of @state-sync/protocol (which depends on core): they
  // diff and patch top-level keys only, enough to see what the source does with them.
  const diff = (previous: unknown, next: unknown) => {
    if (previous === next) return [];
    const a = previous as Record<string, unknown>;
    const b = next as Record<string, unknown>;
    return Object.keys(b)
      .filter((key) => a[key] !== b[key])
      .map((key) => ({ op: 'replace', path: `/${key}`, value: b[key] }));
  };
  const applyDelta = (<T>(state: T, ops: readonly never[]) => {
    const next = { ...(state as Record<string, unknown>) };
    for (const op of ops as unknown as { op: string; path: string; value: unknown }[]) {
      if (op.op !== 'replace' || !(op.path.slice(1) in next)) throw new Error(`bad op ${op.path}`);
      next[op.path.slice(1)] = op.value;
    }
    return next as T;
  }) as never;

  it('set and update record the diff, carry it on the invalidation, and log it', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const source = createSource({ store, diff });
    const events: InvalidationEvent[] = [];
    source.subscribe((event) => events.push(event));
    const topic = source.topic<{ a: number; b: number }>('t');
    await topic.set({ a: 1, b: 1 });
    await topic.set({ a: 1, b: 2 });
    await topic.update((s) => ({ ...s, a: 5 }));
    expect(events.map((event) => event.delta)).toStrictEqual([
      undefined, // the first write has no stored base
      { baseRevision: '1', ops: [{ op: 'replace', path: '/b', value: 2 }] },
      { baseRevision: '2', ops: [{ op: 'replace', path: '/a', value: 5 }] },
    ]);
    expect(await store.readSince('t', 'E', '1')).toStrictEqual([
      { revision: '2', ops: [{ op: 'replace', path: '/b', value: 2 }] },
      { revision: '3', ops: [{ op: 'replace', path: '/a', value: 5 }] },
    ]);
  });

  it('records no delta where the diff says the state is smaller, and an explicit delta wins', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const events: InvalidationEvent[] = [];
    const source = createSource({ store, diff: () => undefined });
    source.subscribe((event) => events.push(event));
    const topic = source.topic<number>('t');
    await topic.set(1);
    await topic.set(2);
    const ops = [{ op: 'replace', path: '', value: 3 }];
    await topic.set(3, { ifRevision: '2', delta: ops });
    expect(events.map((event) => event.delta)).toStrictEqual([
      undefined,
      undefined,
      { baseRevision: '2', ops },
    ]);
    expect(await store.readSince('t', 'E', '1')).toBeUndefined();
  });

  it('patch applies the ops, logs them as the delta, and refuses ops that do not apply', async () => {
    const store = createMemoryStore({ epoch: 'E' });
    const source = createSource({ store, applyDelta });
    const events: InvalidationEvent[] = [];
    source.subscribe((event) => events.push(event));
    const topic = source.topic<{ a: number }>('t');
    await topic.set({ a: 1 });
    const ops = [{ op: 'replace', path: '/a', value: 2 }];
    expect((await topic.patch(ops)).data).toStrictEqual({ a: 2 });
    expect(events[1]?.delta).toStrictEqual({ baseRevision: '1', ops });
    await expect(topic.patch([{ op: 'replace', path: '/zz', value: 1 }])).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('does not apply'),
    });
    expect((await topic.get()).revision).toBe('2');
  });

  it('patch without applyDelta is a clear error', async () => {
    await expect(createSource().topic('t').patch([])).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('applyDelta'),
    });
  });
});

describe('write meta', () => {
  it('passes fields a store defines (a mutation id) through set and update to store.write', async () => {
    const inner = createMemoryStore({ epoch: 'E' });
    const metas: unknown[] = [];
    const store: SourceStore = {
      ...inner,
      write: (topic, data, expected, meta) => {
        metas.push(meta);
        return inner.write(topic, data, expected, meta);
      },
    };
    const topic = createSource({ store }).topic<number>('t', { initial: 0 });
    const meta = { sourceId: 'tab', mutationId: 'm1' };
    await topic.set(1, meta);
    await topic.update((n) => n + 1, { sourceId: 'tab', mutationId: 'm2' } as never);
    await topic.set(3, { ifRevision: '2', mutationId: 'm3' } as never);
    expect(metas).toStrictEqual([
      { sourceId: 'tab', mutationId: 'm1' },
      { sourceId: 'tab', mutationId: 'm2' },
      { mutationId: 'm3' },
    ]);
  });

  it('rejects a delta given to update', async () => {
    const topic = createSource().topic<number>('t', { initial: 0 });
    await expect(topic.update((n) => n + 1, { delta: [] } as never)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
