// @tauri-apps/api is an optional peer: loaded only when listen/invoke are needed and not given.
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('@tauri-apps/api/event');
  vi.doUnmock('@tauri-apps/api/core');
  vi.resetModules();
});

describe('loading @tauri-apps/api', () => {
  it('does not load the peer when the package is imported, only when subscribe or fetch needs it', async () => {
    const loaded: string[] = [];
    vi.doMock('@tauri-apps/api/event', () => {
      loaded.push('event');
      return { listen: async () => () => {} };
    });
    vi.doMock('@tauri-apps/api/core', () => {
      loaded.push('core');
      return { invoke: async () => ({ revision: '1', data: 'x' }) };
    });
    const { clearMocks, mockIPC } = await import('@tauri-apps/api/mocks');
    mockIPC(() => null); // a Tauri window; the mocked peer below answers instead of IPC
    onTestFinished(() => clearMocks());
    const { createTauriRevisionSync } = await import('../src/index');
    const sync = createTauriRevisionSync({ topic: 't', applier: () => {} });
    expect(loaded).toEqual([]);
    await sync.start();
    expect(loaded).toEqual(['event', 'core']);
    sync.stop();
  });

  it('never loads the peer when listen and invoke are passed in', async () => {
    const loaded: string[] = [];
    vi.doMock('@tauri-apps/api/event', () => {
      loaded.push('event');
      return {};
    });
    vi.doMock('@tauri-apps/api/core', () => {
      loaded.push('core');
      return {};
    });
    const { createTauriRevisionSync } = await import('../src/index');
    const sync = createTauriRevisionSync({
      topic: 't',
      listen: async () => () => {},
      invoke: async () => ({ revision: '1', data: 'x' }),
      applier: () => {},
    });
    await sync.start();
    expect(sync.getStatus()).toBe('synced');
    expect(loaded).toEqual([]);
    sync.stop();
  });

  it('fails with peer_missing, naming the fix, when the peer cannot be loaded', async () => {
    const missing = () => {
      throw new Error("Cannot find package '@tauri-apps/api'");
    };
    vi.doMock('@tauri-apps/api/event', missing);
    vi.doMock('@tauri-apps/api/core', missing);
    const { createTauriProvider, createTauriSubscriber, createTauriRevisionSync } = await import(
      '../src/index'
    );
    await expect(createTauriSubscriber().subscribe(() => {})).rejects.toMatchObject({
      code: 'peer_missing',
    });
    await expect(createTauriProvider({ topic: 't' }).getSnapshot()).rejects.toMatchObject({
      code: 'peer_missing',
    });
    const sync = createTauriRevisionSync({ topic: 't', applier: () => {} });
    const failure = await sync.start().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'subscribe_failed', cause: { code: 'peer_missing' } });
  });
});

describe('outside a Tauri window', () => {
  it('fails with not_in_tauri, naming the fix, instead of an error from deep inside the peer', async () => {
    const { clearMocks, mockIPC } = await import('@tauri-apps/api/mocks');
    mockIPC(() => null, { shouldMockEvents: true });
    clearMocks(); // what a plain browser tab looks like: no invoke on __TAURI_INTERNALS__
    const { createTauriProvider, createTauriSubscriber } = await import('../src/index');
    await expect(createTauriSubscriber().subscribe(() => {})).rejects.toMatchObject({
      code: 'not_in_tauri',
    });
    await expect(createTauriProvider({ topic: 't' }).getSnapshot()).rejects.toMatchObject({
      code: 'not_in_tauri',
    });
    const windowless = globalThis as { window?: unknown };
    const saved = windowless.window;
    delete windowless.window; // SSR or Node
    try {
      await expect(createTauriProvider({ topic: 't' }).getSnapshot()).rejects.toMatchObject({
        code: 'not_in_tauri',
      });
    } finally {
      windowless.window = saved;
    }
  });
});
