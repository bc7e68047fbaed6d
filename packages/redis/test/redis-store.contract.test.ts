// The Redis store passes the whole SourceStore conformance suite: durable (a new store on the same
// prefix continues the epoch and revisions) and shared (a peer's writes reach subscribe).
import { describeStoreContract } from '@state-sync/contract-tests';
import { describe } from 'vitest';
import { createRedisStore } from '../src/index';
import { deletePrefix, openAdmin, REDIS_URL, redisAvailable, uniquePrefix } from './redis-harness';

describe.skipIf(!redisAvailable)('redis store', () => {
  describeStoreContract(
    'redis',
    ({ deltaLog }) => {
      const prefix = uniquePrefix();
      const open = () => createRedisStore({ url: REDIS_URL, prefix, deltaLog });
      return {
        store: open(),
        reopen: open,
        peer: open,
        async dispose() {
          const admin = await openAdmin();
          await deletePrefix(admin, prefix);
          admin.destroy();
        },
      };
    },
    // 5 random sequences, not 50: each opens fresh connections and every step is a round trip
    // to Redis (50 cost a minute of `pnpm check` on a loaded machine; 5 cover 300 random steps).
    { durable: true, shared: true, metrics: true, mutations: true, timeScale: 2, propertyRuns: 5 },
  );
});
