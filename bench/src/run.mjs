// Entry of `pnpm bench` (and `pnpm bench:server`): bundles the benchmark and the state-sync sources it measures with esbuild
// (plain JS, as an app would ship it: no tsx transform on the hot path), then runs it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_SOURCES=<dir> measures the packages/*/src of another checkout (e.g. an older commit).
const root = process.env.BENCH_SOURCES ?? join(bench, '..');
const outdir = join(bench, 'dist');
await build({
  entryPoints: [
    join(bench, 'src/websocket.ts'),
    join(bench, 'src/server-process.ts'),
    join(bench, 'src/server-memory.ts'),
    join(bench, 'src/server-memory-process.ts'),
  ],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/protocol/diff': join(root, 'packages/protocol/src/diff.ts'),
    '@state-sync/protocol': join(root, 'packages/protocol/src/index.ts'),
    '@state-sync/websocket/server': join(root, 'packages/websocket/src/server.ts'),
    '@state-sync/websocket': join(root, 'packages/websocket/src/index.ts'),
  },
  logLevel: 'warning',
});
// `node src/run.mjs server-memory` runs server-memory.ts instead of the latency benchmark.
const entry = process.argv[2] === 'server-memory' ? 'server-memory.js' : 'websocket.js';
const result = spawnSync(process.execPath, ['--expose-gc', join(outdir, entry)], {
  stdio: 'inherit',
  cwd: bench,
});
process.exit(result.status ?? 1);
