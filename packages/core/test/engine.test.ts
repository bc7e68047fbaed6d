import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { deferred, inv, settle, setup, snap, started } from './helpers';

describe('start', () => {
  it('subscribes first, then pulls and applies a snapshot', async () => {
    const t = await started();
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@1']);
    expect(t.sync.getLocalRevision()).toBe('1');
    expect(t.sync.getEpoch()).toBe('A');
    expect(t.statuses).toStrictEqual(['syncing', 'synced']);
  });

  it('applies the first snapshot whatever its revision, even "0"', async () => {
    const t = await started(undefined, snap('0'));
    expect(t.log).toContain('apply:A@0');
    expect(t.sync.getStatus()).toBe('synced');
  });

  it('is idempotent: concurrent start() calls subscribe once', async () => {
    const t = setup();
    const a = t.sync.start();
    const b = t.sync.start();
    await settle();
    await t.answer(1, snap('1'));
    await Promise.all([a, b, t.sync.start()]);
    expect(t.log.filter((entry) => entry === 'subscribe')).toHaveLength(1);
  });

  it('a second start() while the first fetch is in flight settles with the first snapshot', async () => {
    // Reported by the WebSocket transport: it resolved at once because the phase was already
    // running, so `await start()` did not mean "the first snapshot is applied".
    const t = setup();
    const first = t.sync.start();
    await settle();
    let secondDone = false;
    const second = t.sync.start().then(() => {
      secondDone = true;
    });
    await settle();
    expect(secondDone).toBe(false);
    await t.answer(1, snap('1'));
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@1']);
  });

  it('ignores invalidations that arrive while subscribing: the first fetch covers them', async () => {
    const t = setup();
    const gate = deferred<void>();
    const subscribe = t.subscriber.subscribe.bind(t.subscriber);
    t.subscriber.subscribe = async (handler) => {
      handler(inv('5'));
      await gate.promise;
      return subscribe(handler);
    };
    const start = t.sync.start();
    gate.resolve();
    await settle();
    await t.answer(1, snap('5'));
    await start;
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@5']);
  });

  it('rejects the topic option when it is empty', () => {
    expect(() => setup({ topic: ' ' })).toThrowError(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });
});

describe('start failure cleanup', () => {
  it('rejects, reports phase subscribe, fetches nothing, and can start again', async () => {
    const t = setup();
    const subscribe = t.subscriber.subscribe.bind(t.subscriber);
    t.subscriber.subscribe = () => Promise.reject(new Error('no channel'));
    const start = t.sync.start();
    const pendingRefresh = t.sync.refresh(); // waiting for the first fetch, which never comes
    await expect(start).rejects.toMatchObject({ code: 'subscribe_failed' });
    await expect(pendingRefresh).rejects.toMatchObject({ code: 'subscribe_failed' });
    expect(t.errors.map((e) => e.phase)).toStrictEqual(['subscribe']);
    expect((t.errors[0]!.error as Error).cause).toEqual(new Error('no channel'));
    expect(t.fetches).toHaveLength(0);
    expect(t.sync.getStatus()).toBe('error');
    t.subscriber.subscribe = subscribe;
    const again = t.sync.start();
    await settle();
    await t.answer(1, snap('1'));
    await again;
    expect(t.sync.getStatus()).toBe('synced');
  });

  it('rejects when subscribe resolves to something that is not an unsubscribe function', async () => {
    const t = setup();
    t.subscriber.subscribe = async () => 'nope' as never;
    await expect(t.sync.start()).rejects.toMatchObject({ code: 'subscribe_failed' });
  });

  it('unsubscribes as soon as a late subscribe resolves when stop() came first', async () => {
    const t = setup();
    const gate = deferred<void>();
    const subscribe = t.subscriber.subscribe.bind(t.subscriber);
    t.subscriber.subscribe = async (handler) => {
      await gate.promise;
      return subscribe(handler);
    };
    const start = t.sync.start();
    t.sync.stop();
    gate.resolve();
    await start;
    expect(t.log).toStrictEqual(['subscribe', 'unsubscribe']);
    expect(t.fetches).toHaveLength(0);
  });
});

describe('revision gate', () => {
  it('invalidations at or below the local revision cost nothing', async () => {
    const t = await started(undefined, snap('5'));
    for (const revision of ['5', '4', '0']) t.emit(inv(revision));
    await settle();
    expect(t.fetches).toHaveLength(1);
    expect(t.sync.getMetrics().ignored).toBe(3);
  });

  it('ignores a snapshot whose revision is not newer', async () => {
    const t = await started(undefined, snap('5'));
    t.emit(inv('6'));
    await t.answer(2, snap('4'));
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@5', 'fetch:2']);
    expect(t.sync.getLocalRevision()).toBe('5');
    expect(t.sync.getMetrics().stale).toBe(1);
  });

  it('getApplied() shows what was applied last, the one being applied inside the applier, and nothing stale', async () => {
    const seen: unknown[] = [];
    const t = setup({
      applier: (envelope) => void seen.push(envelope.data === t.sync.getApplied()?.data),
    });
    expect(t.sync.getApplied()).toBeUndefined();
    const start = t.sync.start();
    await settle();
    const first = snap('5');
    await t.answer(1, first);
    await start;
    // The data is the object the applier was given (no copy), with its revision and epoch.
    expect(t.sync.getApplied()).toStrictEqual({ revision: '5', epoch: 'A', data: first.data });
    expect(t.sync.getApplied()?.data).toBe(first.data);
    t.emit(inv('6'));
    await t.answer(2, snap('4')); // stale: not applied, nothing changes
    expect(t.sync.getApplied()).toStrictEqual({ revision: '5', epoch: 'A', data: first.data });
    t.emit(inv('7'));
    await t.answer(3, snap('7', 70, 'B'));
    expect(t.sync.getApplied()).toStrictEqual({ revision: '7', epoch: 'B', data: { n: 70 } });
    // A snapshot with no epoch keeps the epoch before it, in getApplied() as in getEpoch().
    t.emit({ topic: 't', revision: '8' });
    await t.answer(4, { revision: '8', data: { n: 80 } });
    expect(t.sync.getApplied()).toStrictEqual({ revision: '8', epoch: 'B', data: { n: 80 } });
    expect(t.sync.getEpoch()).toBe('B');
    expect(seen).toStrictEqual([true, true, true]); // inside the applier: the snapshot being applied
  });

  it('ignores invalidations for other topics', async () => {
    const t = await started();
    t.emit({ topic: 'other', revision: '9' });
    await settle();
    expect(t.fetches).toHaveLength(1);
  });
});

describe('coalescing', () => {
  it('keeps at most one fetch in flight and one queued, whatever the burst', async () => {
    const t = await started();
    for (let r = 2; r <= 1001; r++) t.emit(inv(String(r)));
    await settle();
    expect(t.fetches).toHaveLength(2);
    await t.answer(2, snap('2'));
    expect(t.fetches).toHaveLength(3);
    await t.answer(3, snap('1001'));
    expect(t.fetches).toHaveLength(3);
    expect(t.log.slice(3)).toStrictEqual(['fetch:2', 'apply:A@2', 'fetch:3', 'apply:A@1001']);
  });

  it('drops the queued fetch when the fetch in flight already reached its revision', async () => {
    const t = await started();
    t.emit(inv('2'));
    t.emit(inv('3'));
    await t.answer(2, snap('3'));
    expect(t.fetches).toHaveLength(2);
  });

  it('keeps a queued invalidation from another epoch even if its revision looks reached', async () => {
    // Found by the contract suite's property test: before any snapshot, an invalidation for B@1
    // was queued behind a fetch that returned A@1 and was wrongly skipped as "already reached".
    const t = setup();
    const start = t.sync.start();
    await settle();
    t.emit(inv('1', 'B'));
    await t.answer(1, snap('1', 1, 'A'));
    await start;
    expect(t.fetches).toHaveLength(2);
    await t.answer(2, snap('1', 10, 'B'));
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@1', 'fetch:2', 'apply:B@1']);
  });

  it('a failed fetch never swallows the refresh queued behind it', async () => {
    const t = await started();
    t.emit(inv('2'));
    t.emit(inv('3'));
    await t.fail(2);
    expect(t.fetches).toHaveLength(3);
    await t.answer(3, snap('3'));
    expect(t.sync.getLocalRevision()).toBe('3');
    expect(t.errors.map((e) => e.phase)).toStrictEqual(['getSnapshot']);
  });
});

describe('refresh()', () => {
  it('serves the calls made during a fetch with the next one, and calls made during that with the one after', async () => {
    const t = await started();
    t.emit(inv('2')); // fetch 2 in flight
    await settle();
    const done: string[] = [];
    const a = t.sync.refresh().then(() => done.push('a'));
    const b = t.sync.refresh().then(() => done.push('b'));
    await t.answer(2, snap('2'));
    expect(done).toStrictEqual([]); // fetch 2 started before them
    const c = t.sync.refresh().then(() => done.push('c')); // fetch 3 is in flight now
    await t.answer(3, snap('3'));
    await Promise.all([a, b]);
    expect(done).toStrictEqual(['a', 'b']);
    await t.answer(4, snap('4'));
    await c;
    expect(done).toStrictEqual(['a', 'b', 'c']);
    expect(t.fetches).toHaveLength(4);
  });

  it('resolves only after a snapshot fetched after the call was applied', async () => {
    const t = await started();
    t.emit(inv('2'));
    await settle();
    let done = false;
    const refresh = t.sync.refresh().then(() => {
      done = true;
    });
    await t.answer(2, snap('2'));
    expect(done).toBe(false); // fetch 2 started before refresh() was called
    await t.answer(3, snap('3'));
    await refresh;
    expect(done).toBe(true);
    expect(t.sync.getLocalRevision()).toBe('3');
  });

  it('rejects with fetch_failed when its fetch fails, and the engine keeps working', async () => {
    const t = await started();
    const refresh = expect(t.sync.refresh()).rejects.toMatchObject({ code: 'fetch_failed' });
    await settle();
    await t.fail(2, new Error('offline'));
    await refresh;
    expect(t.sync.getStatus()).toBe('error');
    t.emit(inv('2'));
    await t.answer(3, snap('2'));
    expect(t.sync.getStatus()).toBe('synced');
  });

  it('rejects with not_started before start()', async () => {
    await expect(setup().sync.refresh()).rejects.toMatchObject({ code: 'not_started' });
  });
});

describe('stop', () => {
  it('never applies a snapshot that resolves after stop(), and rejects waiting refreshes', async () => {
    const t = await started();
    t.emit(inv('2'));
    await settle();
    const refresh = t.sync.refresh();
    t.sync.stop();
    expect(t.fetches[1]!.signal?.aborted).toBe(true);
    await expect(refresh).rejects.toMatchObject({ code: 'stopped' });
    await t.answer(2, snap('2'));
    t.emit(inv('3'));
    await settle();
    expect(t.log).toStrictEqual(['subscribe', 'fetch:1', 'apply:A@1', 'fetch:2', 'unsubscribe']);
    expect(t.sync.getStatus()).toBe('stopped');
    await expect(t.sync.refresh()).rejects.toMatchObject({ code: 'stopped' });
  });

  it('is idempotent and start() after stop() syncs again from the kept revision', async () => {
    const t = await started();
    t.sync.stop();
    t.sync.stop();
    expect(t.unsubscribes()).toBe(1);
    const again = t.sync.start();
    await settle();
    await t.answer(2, snap('1'));
    await again;
    expect(t.sync.getMetrics().stale).toBe(1);
    expect(t.sync.getStatus()).toBe('synced');
  });
});

describe('epoch', () => {
  it('an invalidation from a new epoch resyncs and applies a lower revision', async () => {
    const t = await started(undefined, snap('9'));
    t.emit(inv('0', 'B'));
    await settle();
    expect(t.sync.getStatus()).toBe('syncing');
    await t.answer(2, snap('2', 2, 'B'));
    expect(t.sync.getLocalRevision()).toBe('2');
    expect(t.sync.getEpoch()).toBe('B');
    expect(t.statuses).toStrictEqual(['syncing', 'synced', 'syncing', 'synced']);
  });

  it('a resync event pulls whatever the revision and reports its reason', async () => {
    const t = await started();
    const reasons: unknown[] = [];
    t.sync.onStatus((_status, info) => reasons.push(info.reason));
    t.emit({ topic: 't', resync: true, reason: 'reconnect' });
    await t.answer(2, snap('1'));
    expect(t.fetches).toHaveLength(2);
    expect(reasons).toStrictEqual(['reconnect', 'reconnect']);
  });
});

describe('fail-safe', () => {
  it('reports a throwing applier as phase apply and retries on the next invalidation', async () => {
    let fail = true;
    const t = await started({
      applier: (envelope) => {
        if (fail && envelope.revision === '2') throw new Error('store is busy');
      },
    });
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(t.errors.map((e) => [e.phase, (e.error as { code: string }).code])).toStrictEqual([
      ['apply', 'apply_failed'],
    ]);
    expect(t.sync.getLocalRevision()).toBe('1');
    fail = false;
    t.emit(inv('2'));
    await t.answer(3, snap('2'));
    expect(t.sync.getLocalRevision()).toBe('2');
  });

  it('survives a throwing onError, status listener and shouldRefresh', async () => {
    const t = await started({
      onError: () => {
        throw new Error('observer bug');
      },
      shouldRefresh: () => {
        throw new Error('filter bug');
      },
    });
    t.sync.onStatus(() => {
      throw new Error('listener bug');
    });
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(t.sync.getLocalRevision()).toBe('2');
  });

  it('shouldRefresh can filter out valid invalidations (e.g. its own sourceId)', async () => {
    const t = await started({ shouldRefresh: (event) => event.sourceId !== 'me' });
    t.emit({ ...inv('2'), sourceId: 'me' });
    await settle();
    expect(t.fetches).toHaveLength(1);
    t.emit({ ...inv('2'), sourceId: 'someone-else' });
    await settle();
    expect(t.fetches).toHaveLength(2);
  });

  it('counts protocol errors and keeps the raw payload for onError', async () => {
    const t = await started();
    t.emit({ topic: 't', revision: '007' });
    expect(t.errors[0]).toMatchObject({
      phase: 'protocol',
      sourceEvent: { topic: 't', revision: '007' },
    });
    expect(t.errors[0]!.error).toMatchObject({ code: 'invalid_event' });
    expect((t.errors[0]!.error as Error).message).toContain('"007"'); // names the bad input
    expect(t.sync.getMetrics().protocolErrors).toBe(1);
  });

  it('names the offending field and its value in the message (the code says why)', async () => {
    const t = await started();
    t.emit({ topic: 't', revision: '007' });
    t.emit({ topic: 't', revision: '2', epoch: 7 });
    t.emit({ topic: 't', reason: 'whim' });
    t.emit([]);
    t.emit(42);
    expect(t.errors.map((e) => (e.error as Error).message)).toStrictEqual([
      '[state-sync] "t": event revision "007"',
      '[state-sync] "t": event epoch 7',
      '[state-sync] "t": event reason "whim"',
      '[state-sync] "t": event an object',
      '[state-sync] "t": event 42',
    ]);
  });

  it('names the snapshot field that is wrong, and its value', async () => {
    const t = await started();
    t.emit(inv('2'));
    await t.answer(2, { revision: '2', epoch: 'A' } as never); // no data
    t.emit(inv('3'));
    await t.answer(3, { revision: 3, epoch: 'A', data: {} } as never);
    expect(
      t.errors.map((e) => [(e.error as { code?: string }).code, (e.error as Error).message]),
    ).toStrictEqual([
      ['invalid_snapshot', '[state-sync] "t": snapshot data undefined'],
      ['invalid_snapshot', '[state-sync] "t": snapshot revision 3'],
    ]);
  });
});

describe('snapshot context', () => {
  it('tells the provider why it pulls', async () => {
    const reasons: unknown[] = [];
    const t = setup();
    const getSnapshot = t.provider.getSnapshot.bind(t.provider);
    t.provider.getSnapshot = (context) => {
      reasons.push(context?.reason);
      return getSnapshot(context);
    };
    const start = t.sync.start();
    await settle();
    await t.answer(1, snap('1'));
    await start;
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    const refresh = t.sync.refresh();
    await t.answer(3, snap('2'));
    await refresh;
    t.emit({ topic: 't', resync: true, reason: 'reconnect' });
    await t.answer(4, snap('2'));
    expect(reasons).toStrictEqual(['initial', 'invalidation', 'manual', 'reconnect']);
  });

  it('a refresh queued behind invalidations pulls with its own reason, not as an invalidation', async () => {
    // An `invalidation` pull may be answered from what the transport holds; a manual refresh
    // must reach the source. The queued slot used to keep the reason of its first request.
    const reasons: unknown[] = [];
    const t = await started();
    const getSnapshot = t.provider.getSnapshot.bind(t.provider);
    t.provider.getSnapshot = (context) => {
      reasons.push(context?.reason);
      return getSnapshot(context);
    };
    t.emit(inv('2')); // fetch 2 in flight
    t.emit(inv('3')); // queued as an invalidation
    const refresh = t.sync.refresh(); // shares the queued fetch
    await t.answer(2, snap('2'));
    await t.answer(3, snap('3'));
    await refresh;
    expect(reasons).toStrictEqual(['invalidation', 'manual']);
  });

  it('an invalidation queued in an epoch the fetch before it left is pulled from the source', async () => {
    // Queued while epoch A was current, pulled after epoch B was applied: answering it from what
    // the transport holds for A would move the client back to the old epoch.
    const reasons: unknown[] = [];
    const t = await started(); // A:1
    const getSnapshot = t.provider.getSnapshot.bind(t.provider);
    t.provider.getSnapshot = (context) => {
      reasons.push(context?.reason);
      return getSnapshot(context);
    };
    t.emit({ topic: 't', resync: true, reason: 'reconnect' }); // fetch 2 in flight
    t.emit(inv('2')); // queued while A is current
    await t.answer(2, snap('0', 0, 'B')); // the source restarted: B:0 applied
    await t.answer(3, snap('0', 0, 'B'));
    expect(reasons).toStrictEqual(['reconnect', 'epoch']);
    expect(t.sync.getEpoch()).toBe('B');
  });
});

describe('serialization cost', () => {
  it('hands the fetched data to the applier as is: no clone per apply', async () => {
    const received: unknown[] = [];
    const t = setup({
      applier: (envelope) => {
        received.push(envelope.data);
      },
    });
    const data = { n: 1, big: Array.from({ length: 1000 }, (_, i) => i) };
    const start = t.sync.start();
    await settle();
    await t.answer(1, { revision: '1', data });
    await start;
    expect(received[0]).toBe(data);
  });
});

describe('schema', () => {
  const schema = z.object({ n: z.number().int().nonnegative() });

  it('rejects bad snapshot data with phase apply without touching the applied state', async () => {
    const t = await started({ schema });
    t.emit(inv('2'));
    await t.answer(2, { revision: '2', epoch: 'A', data: { n: -1 } });
    expect(t.errors.map((e) => [e.phase, (e.error as { code: string }).code])).toStrictEqual([
      ['apply', 'schema_rejected'],
    ]);
    expect(t.log).not.toContain('apply:A@2');
    expect(t.sync.getLocalRevision()).toBe('1');
    expect(t.sync.getStatus()).toBe('error');
  });

  it('applies the validator output (zod transforms included)', async () => {
    const applied: unknown[] = [];
    const t = setup({
      schema: z.object({ n: z.number() }).transform((value) => ({ n: value.n * 2 })),
      applier: (envelope) => {
        applied.push(envelope.data);
      },
    });
    const start = t.sync.start();
    await settle();
    await t.answer(1, snap('1', 21));
    await start;
    expect(applied).toStrictEqual([{ n: 42 }]);
  });
});

describe('logger', () => {
  it('receives engine traces when given', async () => {
    const logger = { debug: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const t = await started({ logger });
    t.emit({ topic: 't', revision: 'x' });
    expect(logger.debug).toHaveBeenCalledWith(
      'applied',
      expect.objectContaining({ topic: 't', revision: '1' }),
    );
    expect(logger.error).toHaveBeenCalledWith(
      'protocol failed',
      expect.objectContaining({ topic: 't' }),
    );
  });
});
