// The one-call API end to end on Tauri's official mocks, with the TypeScript stand-in for Rust.
import type { SnapshotEnvelope, SyncErrorContext } from '@state-sync/core';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { createTauriRevisionSync, type TauriListen } from '../src/index';
import { deferred, settle } from './helpers';
import { type RustStandIn, startRustStandIn } from './rust-stand-in';

type Settings = { theme: string };

let rust: RustStandIn | undefined;
afterEach(async () => {
  await rust?.close();
  rust = undefined;
  clearMocks();
});

const tauriCallbacks = () =>
  (window.__TAURI_INTERNALS__ as unknown as { callbacks: Map<number, unknown> }).callbacks.size;

describe('createTauriRevisionSync', () => {
  it('starts on the Rust state and follows every change (real listen/invoke passed in)', async () => {
    rust = startRustStandIn();
    const settings = rust.source.topic<Settings>('settings');
    await settings.set({ theme: 'light' });
    const applied: SnapshotEnvelope<Settings>[] = [];
    const before = rust.calls.length;
    const sync = createTauriRevisionSync<Settings>({
      topic: 'settings',
      listen,
      invoke,
      applier: (e) => void applied.push(e),
    });
    await sync.start();
    expect(applied.map((e) => e.data)).toEqual([{ theme: 'light' }]);
    expect(rust.calls.slice(before)).toEqual(['plugin:event|listen', 'get_snapshot']); // subscribe, then pull
    await settings.set({ theme: 'dark' });
    await settle();
    expect(applied.map((e) => e.data)).toEqual([{ theme: 'light' }, { theme: 'dark' }]);
    expect(sync.getLocalRevision()).toBe('2');
    sync.stop();
    await settle();
    expect(rust.rustListenerCount()).toBe(0);
    expect(tauriCallbacks()).toBe(0);
  });

  it('stop() before listen() resolves: unlistens once it resolves, fetches and applies nothing', async () => {
    rust = startRustStandIn();
    const topic = rust.source.topic<Settings>('race');
    await topic.set({ theme: 'light' });
    const gate = deferred();
    let unlistens = 0;
    // The real (mocked) listen registers with "Rust" at once; only its resolution is held back.
    const slowListen: TauriListen = async (event, handler) => {
      const unlisten = await listen(event, handler);
      await gate.promise;
      return () => {
        unlistens++;
        return unlisten();
      };
    };
    const applied: unknown[] = [];
    const sync = createTauriRevisionSync<Settings>({
      topic: 'race',
      listen: slowListen,
      invoke,
      applier: (e) => void applied.push(e),
    });
    const started = sync.start();
    await settle();
    expect(rust.rustListenerCount()).toBe(1);
    await topic.set({ theme: 'dark' }); // delivered while listen() is pending
    sync.stop();
    await topic.set({ theme: 'blue' }); // delivered after stop, before unlisten
    gate.resolve();
    await started;
    await settle();
    expect(unlistens).toBe(1);
    expect(rust.rustListenerCount()).toBe(0);
    expect(tauriCallbacks()).toBe(0);
    expect(rust.calls.filter((c) => c === 'plugin:event|unlisten')).toHaveLength(1);
    expect(rust.calls).not.toContain('get_snapshot');
    expect(applied).toEqual([]);
    expect(sync.getStatus()).toBe('stopped');
    await topic.set({ theme: 'red' });
    await settle();
    expect(applied).toEqual([]);
  });

  it('many windows on one event: each follows its own topic and ignores the others', async () => {
    rust = startRustStandIn();
    const windows = ['a', 'b', 'a'].map((topic) => {
      const applied: unknown[] = [];
      const sync = createTauriRevisionSync({
        topic,
        listen,
        invoke,
        applier: (e) => void applied.push(e.data),
      });
      return { sync, applied };
    });
    for (const w of windows) await w.sync.start();
    await rust.source.topic('a').set(1);
    await settle();
    await rust.source.topic('a').set(2);
    await settle();
    expect(windows.map((w) => w.applied)).toEqual([[null, 1, 2], [null], [null, 1, 2]]);
    expect(windows[1]!.sync.getMetrics().ignored).toBe(2);
    for (const w of windows) w.sync.stop();
    await settle();
    expect(rust.rustListenerCount()).toBe(0);
  });

  it('carries u64 revisions past 2^53 as strings, and rejects a revision sent as a JSON number', async () => {
    let reply: unknown = { revision: '18446744073709551615', epoch: 'e', data: 'max' };
    mockIPC(() => reply, { shouldMockEvents: true });
    const errors: SyncErrorContext[] = [];
    const applied: unknown[] = [];
    const sync = createTauriRevisionSync({
      topic: 't',
      listen,
      invoke,
      applier: (e) => void applied.push(e.data),
      onError: (c) => void errors.push(c),
    });
    await sync.start();
    expect(sync.getLocalRevision()).toBe('18446744073709551615');
    // What a Rust side serialising `u64` directly produces: JSON.parse has already lost precision.
    reply = JSON.parse('{"revision": 18446744073709551615, "epoch": "e2", "data": "number"}');
    await expect(sync.refresh()).rejects.toMatchObject({ code: 'invalid_snapshot' });
    expect(errors.map((e) => e.phase)).toEqual(['protocol']);
    expect(applied).toEqual(['max']);
    sync.stop();
  });

  it('reports a failing snapshot command and recovers on the next invalidation', async () => {
    let fail = true;
    mockIPC(
      () => {
        if (fail) throw 'database locked';
        return { revision: '3', epoch: 'e', data: 'ok' };
      },
      { shouldMockEvents: true },
    );
    const { emit } = await import('@tauri-apps/api/event');
    const errors: SyncErrorContext[] = [];
    const applied: unknown[] = [];
    const sync = createTauriRevisionSync({
      topic: 't',
      listen,
      invoke,
      applier: (e) => void applied.push(e.data),
      onError: (c) => void errors.push(c),
    });
    await sync.start();
    expect(
      errors.map((e) => [e.phase, (e.error as { code: string }).code, (e.error as Error).cause]),
    ).toEqual([['getSnapshot', 'fetch_failed', 'database locked']]);
    fail = false;
    await emit('state-sync://invalidate', { topic: 't', revision: '3', epoch: 'e' });
    await settle();
    expect(applied).toEqual(['ok']);
    expect(sync.getStatus()).toBe('synced');
    sync.stop();
  });

  it('start() rejects with subscribe_failed when listen() rejects, and leaves no listener', async () => {
    const sync = createTauriRevisionSync({
      topic: 't',
      listen: () => Promise.reject(new Error('event.listen not allowed by capabilities')),
      invoke: async () => ({ revision: '1', data: null }),
      applier: () => {},
    });
    await expect(sync.start()).rejects.toMatchObject({ code: 'subscribe_failed' });
    expect(sync.getStatus()).toBe('error');
  });
});
