// The app passes listen/invoke in: this package never imports @tauri-apps/api, and outside a Tauri
// window (a plain browser tab, SSR, Node) the peer's own error reaches the engine as the cause.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { describe, expect, it, vi } from 'vitest';

describe('@tauri-apps/api', () => {
  it('is never imported by this package', async () => {
    const loaded: string[] = [];
    vi.doMock('@tauri-apps/api/event', () => {
      loaded.push('event');
      return {};
    });
    vi.doMock('@tauri-apps/api/core', () => {
      loaded.push('core');
      return {};
    });
    try {
      vi.resetModules();
      const { createTauriRevisionSync } = await import('../src/index');
      const sync = createTauriRevisionSync({
        topic: 't',
        listen: async () => () => {},
        invoke: async () => ({ revision: '1', data: 'x' }),
        applier: () => {},
      });
      await sync.start();
      expect(sync.getStatus()).toBe('synced');
      sync.stop();
      expect(loaded).toEqual([]);
    } finally {
      vi.doUnmock('@tauri-apps/api/event');
      vi.doUnmock('@tauri-apps/api/core');
      vi.resetModules();
    }
  });

  it('outside a Tauri window, start() fails with subscribe_failed carrying the peer error', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    clearMocks(); // what a plain browser tab looks like: no Tauri internals
    const { createTauriRevisionSync } = await import('../src/index');
    const errors: unknown[] = [];
    const sync = createTauriRevisionSync({
      topic: 't',
      listen,
      invoke,
      applier: () => {},
      onError: (context) => void errors.push(context.error),
    });
    const failure = await sync.start().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'subscribe_failed', cause: expect.any(Error) });
    expect(errors).toEqual([failure]);
  });
});
