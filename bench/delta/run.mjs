// Entry of `pnpm --filter @state-sync/bench bench:delta`: bundles delta.ts with the protocol
// sources (plain JS, as an app ships it), runs it in several fresh processes one after another,
// and writes bench/results/delta-DATE.{json,md} with the machine noted.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outfile = join(here, '..', 'dist', 'delta.js');
await build({
  entryPoints: [join(here, 'delta.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  alias: {
    '@state-sync/core': join(root, 'packages/core/src/index.ts'),
    '@state-sync/protocol/diff': join(root, 'packages/protocol/src/diff.ts'),
    '@state-sync/protocol': join(root, 'packages/protocol/src/index.ts'),
  },
  logLevel: 'warning',
});

const processes = Number(process.env.PROCESSES ?? 7);
const load = loadavg().map((value) => value.toFixed(2));
const runs = [];
for (let i = 0; i < processes; i++) {
  const result = spawnSync(process.execPath, [outfile], { encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    process.exit(1);
  }
  runs.push(JSON.parse(result.stdout));
  process.stdout.write(`process ${i + 1}/${processes} done\n`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const first = runs[0];
const rows = first.cases.map((testCase, index) => ({
  name: testCase.name,
  medianMicros: median(runs.map((run) => run.cases[index].medianMicros)),
  lowerQuartileMicros: median(runs.map((run) => run.cases[index].lowerQuartileMicros)),
}));
const [delta, snapshot] = rows;
const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}; load average at start ${load.join(' / ')} (a shared machine: other work may run beside it)`;
const results = {
  date,
  machine,
  processes,
  stateBytes: first.stateBytes,
  opsBytes: first.opsBytes,
  ops: first.ops,
  rows,
};
const dir = join(here, '..', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `delta-${date}.json`), `${JSON.stringify(results, null, 2)}\n`);

const f = (n) => n.toFixed(1);
const md = `# Delta benchmark — ${date}

Command: \`pnpm --filter @state-sync/bench bench:delta\` (${processes} fresh processes one after
another; in each, 40 measured rounds of 50 changes after 5 warm-up rounds, all cases interleaved
round by round; the table shows the median over processes of each process's median and lower
quartile, in µs per change).

Machine: ${machine}.

State: ${first.stateBytes.toLocaleString('en')} characters of JSON (a board of cards). Change: one
boolean of one card, made immutably (the path to it copied, everything else shared). The delta is
\`${JSON.stringify(first.ops)}\`: **${first.opsBytes} characters, ${(first.stateBytes / first.opsBytes).toFixed(0)}× smaller than the state.**

| case | median µs | lower quartile µs |
|---|---:|---:|
${rows.map((row) => `| ${row.name} | ${f(row.medianMicros)} | ${f(row.lowerQuartileMicros)} |`).join('\n')}

Ratio, full path of one change (server + client, one client): snapshot ÷ delta =
**${(snapshot.medianMicros / delta.medianMicros).toFixed(1)}×** at the median,
${(snapshot.lowerQuartileMicros / delta.lowerQuartileMicros).toFixed(1)}× at the lower quartile.

Reading it: the snapshot path serialises and parses the whole state for every change; the delta
path diffs only the changed path (fast-json-patch skips every subtree that is the same
reference), measures the state only until it is longer than the ops, and applies the op by
copying the containers on its path (the cards array, one card, the root), sharing the rest.
The peer row applies the same op with fast-json-patch without mutating the input, which deep
clones the state: what an apply without structural sharing costs.
`;
writeFileSync(join(dir, `delta-${date}.md`), md);
process.stdout.write(md);
