import { describe, expect, it, vi } from 'vitest';
import { inv, snap, started } from './helpers';

const offline = { topic: 't', connected: false };
const online = { topic: 't', connected: true };

describe('connectivity reported by the transport', () => {
  it('is offline from a disconnect until a snapshot fetched after the reconnect is applied', async () => {
    const reasons: unknown[] = [];
    const t = await started();
    t.sync.onStatus((status, info) => reasons.push(`${status}:${info.reason}`));
    t.emit(offline);
    expect(t.sync.getStatus()).toBe('offline');
    // Whatever still arrives while offline is applied, but the status keeps telling the truth.
    t.emit(inv('2'));
    await t.answer(2, snap('2'));
    expect(t.sync.getLocalRevision()).toBe('2');
    expect(t.sync.getStatus()).toBe('offline');
    t.emit(online);
    expect(t.sync.getStatus()).toBe('syncing');
    await t.answer(3, snap('3'));
    expect(t.sync.getStatus()).toBe('synced');
    expect(t.log.slice(-2)).toStrictEqual(['fetch:3', 'apply:A@3']);
    expect(reasons).toStrictEqual(['offline:undefined', 'syncing:reconnect', 'synced:reconnect']);
  });

  it('is not synced by a fetch that started before the reconnect', async () => {
    const t = await started();
    t.emit(offline);
    t.emit(inv('2'));
    t.emit(online); // fetch 2 is in flight: the reconnect pull queues behind it
    await t.answer(2, snap('2'));
    expect(t.sync.getStatus()).toBe('syncing');
    await t.answer(3, snap('2'));
    expect(t.sync.getStatus()).toBe('synced');
  });

  it('reports an error after the reconnect, not while offline', async () => {
    const t = await started();
    t.emit(offline);
    t.emit(inv('2'));
    await t.fail(2);
    expect(t.sync.getStatus()).toBe('offline');
    t.emit(online);
    await t.fail(3);
    expect(t.sync.getStatus()).toBe('error');
  });

  it('forgets the disconnect on stop: a restart syncs as usual', async () => {
    const t = await started();
    t.emit(offline);
    t.sync.stop();
    expect(t.sync.getStatus()).toBe('stopped');
    const restart = t.sync.start();
    await vi.waitFor(() => expect(t.fetches).toHaveLength(2));
    await t.answer(2, snap('1'));
    await restart;
    expect(t.sync.getStatus()).toBe('synced');
  });

  it('rejects a connectivity event whose flag is not a boolean', async () => {
    const t = await started();
    t.emit({ topic: 't', connected: 'no' });
    expect(t.sync.getStatus()).toBe('synced');
    expect(t.errors.map((e) => (e.error as { code: string }).code)).toStrictEqual([
      'invalid_event',
    ]);
  });
});
