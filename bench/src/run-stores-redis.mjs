// Entry of `bench:stores-redis`: bundles src/stores-redis.ts with the state-sync sources it
// measures (plain JS, as an app would ship it), then runs it. node-redis stays external.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(bench, '..');
const outdir = join(bench, 'dist');
await build({
  entryPoints: [join(bench, 'src/stores-redis.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/redis': join(root, 'packages/redis/src/index.ts'),
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [join(outdir, 'stores-redis.js')], {
  stdio: 'inherit',
  cwd: bench,
});
process.exit(result.status ?? 1);
