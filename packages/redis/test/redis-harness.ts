// The real Redis for tests: REDIS_URL (default redis://127.0.0.1:6379). Each test gets its own key
// prefix and deletes its keys afterwards; nothing here ever flushes the shared Redis.
import { createClient } from '@redis/client';
import { randomId } from '@state-sync/core';
import { createRedisStore, type RedisStore, type RedisStoreOptions } from '../src/index';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function probe(): Promise<string | undefined> {
  const client = createClient({
    url: REDIS_URL,
    socket: { reconnectStrategy: false, connectTimeout: 1_000 },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.destroy();
  }
}

const problem = await probe();
if (problem !== undefined) {
  if (process.env.CI === 'true') {
    throw new Error(
      `[state-sync/redis tests] Redis at ${REDIS_URL} is unreachable (${problem}); CI needs it`,
    );
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! @state-sync/redis: Redis at ${REDIS_URL} is unreachable (${problem}).\n!! Every Redis test is SKIPPED. Start Redis (or set REDIS_URL) to run them.\n${'!'.repeat(78)}\n`,
  );
}

/** False when no Redis answered (and we are not in CI): `describe.skipIf(!redisAvailable)`. */
export const redisAvailable = problem === undefined;

const adminClient = () => createClient({ url: REDIS_URL });
export type Admin = ReturnType<typeof adminClient>;

export async function openAdmin(): Promise<Admin> {
  const admin = adminClient();
  admin.on('error', () => {});
  await admin.connect();
  return admin;
}

export function uniquePrefix(): string {
  return `state-sync-test:${randomId().slice(0, 12)}`;
}

/** Deletes every key of `prefix`: the per-test stand-in for FLUSHALL on a shared Redis. */
export async function deletePrefix(admin: Admin, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const batch of admin.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
    if (batch.length > 0) deleted += await admin.del(batch);
  }
  return deleted;
}

/** Kills this prefix's subscriber connections only (`CLIENT KILL TYPE pubsub ID …`). */
export async function killSubscribers(admin: Admin, prefix: string): Promise<number> {
  const list = await admin.clientList({ TYPE: 'PUBSUB' });
  const ours = list.filter((client) => client.name === `state-sync:${prefix}:sub`);
  for (const client of ours) {
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub', 'ID', String(client.id)]);
  }
  return ours.length;
}

export interface Fixture {
  readonly prefix: string;
  readonly admin: Admin;
  /** A store on its own connections (a "node"), closed by `dispose`. */
  store(options?: RedisStoreOptions): Promise<RedisStore>;
  dispose(): Promise<void>;
}

export async function openFixture(prefix = uniquePrefix()): Promise<Fixture> {
  const admin = await openAdmin();
  const stores: RedisStore[] = [];
  return {
    prefix,
    admin,
    async store(options = {}) {
      const store = createRedisStore({
        url: REDIS_URL,
        prefix,
        reconnect: { baseDelayMs: 20, maxDelayMs: 100 },
        ...options,
      });
      stores.push(store);
      await store.ready();
      return store;
    },
    async dispose() {
      await Promise.all(stores.map((store) => store.close()));
      await deletePrefix(admin, prefix);
      admin.destroy();
    },
  };
}
