// Entry of `pnpm bench:client-frame`: bundles client-frame.ts with the state-sync sources (esbuild,
// plain JS as an app ships it), then runs it with a young generation large enough that a measured
// batch rarely triggers a GC (so heap growth approximates bytes allocated).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = process.env.BENCH_SOURCES ?? join(bench, '..');
const outfile = join(bench, 'dist', 'client-frame.js');
await build({
  entryPoints: [join(bench, 'src/client-frame.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/protocol': join(root, 'packages/protocol/src/index.ts'),
    '@state-sync/websocket': join(root, 'packages/websocket/src/index.ts'),
  },
  logLevel: 'warning',
});
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '--max-semi-space-size=256', ...process.argv.slice(2), outfile],
  { stdio: 'inherit', cwd: bench },
);
process.exit(result.status ?? 1);
