// Entry of `pnpm bench`: bundles the benchmark and the state-sync sources it measures with esbuild
// (plain JS, as an app would ship it: no tsx transform on the hot path), then runs it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(bench, '..');
const outdir = join(bench, 'dist');
await build({
  entryPoints: [join(bench, 'src/websocket.ts'), join(bench, 'src/server-process.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/websocket/server': join(root, 'packages/websocket/src/server.ts'),
    '@state-sync/websocket': join(root, 'packages/websocket/src/index.ts'),
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--expose-gc', join(outdir, 'websocket.js')], {
  stdio: 'inherit',
  cwd: bench,
});
process.exit(result.status ?? 1);
