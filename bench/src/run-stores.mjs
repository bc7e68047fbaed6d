// Entry of `bench:stores`: writes/s and change→applied latency per SourceStore (memory, SQLite).
import { bundleAndRun } from './bundle.mjs';

await bundleAndRun(['src/stores.ts']);
