// Entry of `bench:stores-redis`: the Redis store across server nodes.
import { bundleAndRun } from './bundle.mjs';

await bundleAndRun(['src/stores-redis.ts']);
