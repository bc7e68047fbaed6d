// The client against real sockets on 127.0.0.1: drops the server causes, seen through onError.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateSyncWebSocketError } from '../src/index';
import { openStack, type Stack } from './harness';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

async function stack(): Promise<Stack> {
  const s = await openStack();
  stacks.push(s);
  return s;
}

describe('drops through a real socket', () => {
  it('a connection the server destroys (1006) reaches onError, then the client reconnects', async () => {
    const s = await stack();
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(s.server.connections()).toHaveLength(1));
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    s.server.connections()[0]!.terminate();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'disconnected', closeCode: 1006 });
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    expect(client.getMetrics().reconnects).toBe(1);
  });

  it('a server shutdown reaches onError with 1001 and the reason given to close()', async () => {
    const s = await stack();
    const errors: StateSyncWebSocketError[] = [];
    const client = s.client({ onError: (error) => errors.push(error) });
    await vi.waitFor(() => expect(client.status()).toBe('open'));
    await s.restart();
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toMatchObject({
      code: 'disconnected',
      closeCode: 1001,
      closeReason: 'restart',
    });
  });
});
