// Entry of `bench:stores`: bundles src/stores.ts with the state-sync sources it measures (plain
// JS, as an app would ship it), then runs it. better-sqlite3 stays external (a native addon).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(bench, '..');
const outdir = join(bench, 'dist');
await build({
  entryPoints: [join(bench, 'src/stores.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/sqlite': join(root, 'packages/sqlite/src/index.ts'),
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [join(outdir, 'stores.js')], {
  stdio: 'inherit',
  cwd: bench,
});
process.exit(result.status ?? 1);
