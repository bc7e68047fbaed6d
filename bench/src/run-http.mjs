// Entry of `pnpm bench:http`: bundles the HTTP benchmark and the sources it measures with esbuild
// (plain JS, as an app would ship it), then runs it.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(bench, '..');
const outdir = join(bench, 'dist');
await build({
  entryPoints: [
    join(bench, 'src/http.ts'),
    join(bench, 'src/http-server-process.ts'),
    join(bench, 'src/server-process.ts'),
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
    '@state-sync/http/server': join(root, 'packages/http/src/server.ts'),
    '@state-sync/http': join(root, 'packages/http/src/index.ts'),
    '@state-sync/websocket/server': join(root, 'packages/websocket/src/server.ts'),
    '@state-sync/websocket': join(root, 'packages/websocket/src/index.ts'),
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--expose-gc', join(outdir, 'http.js')], {
  stdio: 'inherit',
  cwd: bench,
});
process.exit(result.status ?? 1);
