// One way every bench script runs: bundle its entry files with the state-sync sources they
// measure (plain JS, as an app would ship it; `@state-sync/<pkg>` and `@state-sync/<pkg>/server`
// resolve to packages/<pkg>/src), then run the first entry in a fresh Node process. Dependencies
// (ws, better-sqlite3, node-redis…) stay external, as installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = join(bench, '..', 'packages');

function sourceAliases() {
  const alias = {};
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, 'src');
    if (existsSync(join(src, 'server.ts')))
      alias[`@state-sync/${name}/server`] = join(src, 'server.ts');
    if (existsSync(join(src, 'index.ts'))) alias[`@state-sync/${name}`] = join(src, 'index.ts');
  }
  return alias;
}

/**
 * Bundles `entries` (paths relative to bench/) into bench/dist and runs the first with
 * `nodeArgs`; exits with its status.
 */
export async function bundleAndRun(entries, nodeArgs = []) {
  const outdir = join(bench, 'dist');
  await build({
    entryPoints: entries.map((entry) => join(bench, entry)),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: sourceAliases(),
    logLevel: 'warning',
  });
  const main = join(outdir, basename(entries[0]).replace(/\.ts$/, '.js'));
  const result = spawnSync(process.execPath, [...nodeArgs, main, ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: bench,
  });
  process.exit(result.status ?? 1);
}
