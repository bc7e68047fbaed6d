// A client on a scripted socket (fake-socket.ts), for tests under fake timers. `track` closes it
// after the test; call `useFakeClientTimers()` once per test file.
import { afterEach, beforeEach, vi } from 'vitest';
import {
  createSyncClient,
  type StateSyncWebSocketError,
  type SyncClientOptions,
} from '../src/index';
import { type FakeSocket, fakeWebSocket } from './fake-socket';

export type Setup = ReturnType<typeof setup>;

export function setup(options: Partial<SyncClientOptions> = {}) {
  const fake = fakeWebSocket();
  const errors: StateSyncWebSocketError[] = [];
  const statuses: string[] = [];
  const client = createSyncClient({
    url: 'ws://test.invalid/sync',
    WebSocket: fake.WebSocket,
    browserEvents: false,
    random: () => 0, // no jitter unless a test asks for it
    reconnect: { baseDelayMs: 100, maxDelayMs: 1000 },
    onError: (error) => errors.push(error),
    onStatus: (status) => statuses.push(status),
    ...options,
  });
  return { ...fake, client, errors, statuses };
}

/** Subscribes a recording handler to `topic`. */
export async function listen(s: Setup, topic: string) {
  const events: unknown[] = [];
  const off = await s.client.subscriber(topic).subscribe((event) => events.push(event));
  return { events, off };
}

/** Answers every `get` the socket has not answered yet. */
export function answerGets(
  socket: FakeSocket,
  revision: string,
  data: unknown,
  epoch = 'e1',
  answered = new Set<unknown>(),
) {
  for (const get of socket.sentOfType('get')) {
    if (answered.has(get.id)) continue;
    answered.add(get.id);
    socket.receive({ type: 'snapshot', id: get.id, topic: get.topic, revision, epoch, data });
  }
  return answered;
}

export const cleanup: Array<() => Promise<void>> = [];

export function useFakeClientTimers(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

export function track(s: Setup): Setup {
  cleanup.push(() => s.client.close());
  return s;
}
