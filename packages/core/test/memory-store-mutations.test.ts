import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index';

describe('memory store: client mutation memory', () => {
  it('forgets the least recently written client beyond maxClients, and counts it', async () => {
    const store = createMemoryStore({ mutations: { maxClients: 2 } });
    for (const clientId of ['a', 'b', 'c']) await store.recordMutation(clientId, { seq: 1 });
    expect(await store.lastMutation('a')).toBeUndefined();
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
  });

  it('stays within maxClients under a flood of new clients', async () => {
    const store = createMemoryStore({ mutations: { maxClients: 100 } });
    for (let n = 0; n < 5_000; n++) {
      await store.write('t', n, n === 0 ? undefined : String(n), {
        mutation: { clientId: `c${n}`, seq: 1 },
      });
    }
    let remembered = 0;
    for (let n = 0; n < 5_000; n++) if (await store.lastMutation(`c${n}`)) remembered++;
    expect(remembered).toBe(100);
    expect(store.getMetrics().clientsEvicted).toBe(4_900);
  });

  it('forgets a client silent for longer than ttlMs', async () => {
    let now = 0;
    const store = createMemoryStore({ mutations: { ttlMs: 1_000 }, now: () => now });
    await store.recordMutation('old', { seq: 3 });
    now = 600;
    await store.recordMutation('young', { seq: 1 });
    now = 1_001;
    expect(await store.lastMutation('old')).toBeUndefined();
    expect(await store.lastMutation('young')).toStrictEqual({ seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
  });

  it('rejects bounds that are not positive integers', () => {
    expect(() => createMemoryStore({ mutations: { maxClients: 0 } })).toThrow(/maxClients/);
    expect(() => createMemoryStore({ mutations: { ttlMs: Number.NaN } })).toThrow(/ttlMs/);
  });
});
