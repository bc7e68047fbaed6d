// Helpers shared by the server tests: stacks and raw clients that the test's afterEach closes.
import { afterEach, vi } from 'vitest';
import type { SyncServerOptions } from '../src/server';
import { openStack, type Stack } from './harness';
import { type RawClient, rawClient } from './raw-client';

export interface ServerTestKit {
  /** Registers anything with `close()` to be closed after the test (last in, first closed). */
  track(item: { close(): unknown }): void;
  stack(options?: Partial<SyncServerOptions>): Promise<Stack>;
  /** An open raw `ws` client (not yet authenticated). */
  raw(s: Stack, path?: string, options?: Parameters<typeof rawClient>[1]): Promise<RawClient>;
  /** A raw client past the handshake (auth sent, hello received). */
  ready(s: Stack, token?: string): Promise<RawClient>;
}

/** Call at the top of a test file: registers the afterEach that closes what the tests opened. */
export function serverTestKit(): ServerTestKit {
  const open: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });
  const kit: ServerTestKit = {
    track: (item) => void open.push(item),
    async stack(options = {}) {
      const s = await openStack(options);
      open.push(s);
      return s;
    },
    async raw(s, path = '', options = {}) {
      const client = rawClient(`${s.url}${path}`, options);
      open.push({ close: () => client.ws.terminate() });
      await client.opened;
      return client;
    },
    async ready(s, token) {
      const client = await kit.raw(s);
      client.send(token === undefined ? { type: 'auth' } : { type: 'auth', token });
      await client.next((f) => f.type === 'hello');
      return client;
    },
  };
  return kit;
}

export const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });
