// DESIGN's "SSR and sandbox surprises": code that touches window, BroadcastChannel or a socket at
// import breaks server renders and sandboxes. Each entry point is imported in a fresh module graph
// while every such global is a tripwire, and nothing may trip.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const ENTRY_POINTS = [
  '@state-sync/core',
  '@state-sync/websocket',
  '@state-sync/websocket/server',
  '@state-sync/broadcast-channel',
  '@state-sync/tauri',
  '@state-sync/pinia',
  '@state-sync/zustand',
  '@state-sync/zustand/react',
];

const BROWSER_GLOBALS = [
  'window',
  'document',
  'navigator',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'BroadcastChannel',
  'WebSocket',
  '__TAURI_INTERNALS__',
];

// Frameworks probe `typeof window` at import (vue, pinia); that is theirs to answer for, so they
// are loaded before the tripwires go up and only our own modules are imported under them.
const THIRD_PARTY = ['vue', 'pinia', 'zustand', 'zustand/vanilla', 'react', 'ws', 'zod'];

beforeAll(async () => {
  for (const name of THIRD_PARTY) await import(/* @vite-ignore */ name);
});

let touched: string[] = [];
const saved = new Map<string, PropertyDescriptor | undefined>();

beforeEach(() => {
  touched = [];
  for (const name of BROWSER_GLOBALS) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
  for (const timer of ['setTimeout', 'setInterval', 'queueMicrotask'] as const) {
    vi.spyOn(globalThis, timer).mockImplementation(((..._args: unknown[]) => {
      touched.push(timer);
      return 0;
    }) as never);
  }
  vi.resetModules();
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (globalThis as Record<string, unknown>)[name];
  }
});

describe('importing state-sync during a server render', () => {
  it.each(ENTRY_POINTS)(
    '%s touches no browser global and starts no timer at import',
    async (entry) => {
      const module = await import(/* @vite-ignore */ entry);
      expect(Object.keys(module).length).toBeGreaterThan(0);
      expect(touched).toStrictEqual([]);
    },
  );

  it('the tripwires work: a module that reads window at import is caught', async () => {
    void globalThis.window;
    expect(touched).toStrictEqual(['window']);
  });
});
