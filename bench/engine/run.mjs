// `pnpm --filter @state-sync/bench bench:engine`: the engine before and after, in one run.
// Builds @state-sync/core from BASE (a git worktree in a temp folder, default 6df3bc3: main
// before the engine work) and from this checkout, measures each metric in fresh processes,
// interleaved (A B, then B A, …), 3 runs each, and writes medians and ratios to bench/results.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const BASE = process.env.BASE ?? '6df3bc3';
const RUNS = Number(process.env.RUNS ?? 5); // at least 3: the machine is shared and noisy
const tmp = mkdtempSync(join(tmpdir(), 'state-sync-bench-engine-'));
const baseTree = join(tmp, 'base');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

const loadStart = loadavg();
git('worktree', 'add', '--detach', baseTree, BASE);
const baseCommit = git('-C', baseTree, 'rev-parse', '--short', 'HEAD');
const headCommit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'packages').length > 0;

try {
  const engines = {
    before: { tree: baseTree, label: `before (${baseCommit})` },
    after: { tree: root, label: `after (${headCommit}${dirty ? ' + uncommitted' : ''})` },
  };

  // Runtime bundle: the whole core as an app would ship it (esbuild, ESM, not minified).
  for (const [name, engine] of Object.entries(engines)) {
    engine.file = join(tmp, `${name}.mjs`);
    await build({
      entryPoints: [join(engine.tree, 'packages/core/src/index.ts')],
      outfile: engine.file,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      logLevel: 'warning',
    });
  }

  // Sizes: esbuild minify + tree-shake of one import set, then gzip -9.
  const sizeCases = [
    {
      name: '`createRevisionSync` + revision helpers',
      entry: 'packages/core/src/index.ts',
      names: 'createRevisionSync, compareRevisions, assertRevision, isRevision, nextRevision',
      goal: 1600,
    },
    {
      name: 'Tauri subscriber + provider (no core)',
      entry: 'packages/tauri/src/index.ts',
      names: 'createTauriSubscriber, createTauriProvider',
      goal: 500,
    },
    {
      name: '`createPiniaApplier` (no core, pinia, vue)',
      entry: 'packages/pinia/src/index.ts',
      names: 'createPiniaApplier',
      goal: 500,
    },
    {
      name: '`createZustandApplier` (no core, zustand)',
      entry: 'packages/zustand/src/index.ts',
      names: 'createZustandApplier',
      goal: 500,
    },
  ];
  for (const size of sizeCases) {
    for (const [name, engine] of Object.entries(engines)) {
      const result = await build({
        stdin: {
          contents: `export { ${size.names} } from ${JSON.stringify(join(engine.tree, size.entry))};`,
          resolveDir: engine.tree,
          loader: 'ts',
        },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        external: [
          '@state-sync/core',
          '@tauri-apps/api',
          '@tauri-apps/api/*',
          'pinia',
          'vue',
          'zustand',
        ],
        logLevel: 'error',
      });
      size[name] = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
    }
  }

  const metrics = [
    {
      id: 'ignored',
      name: 'ignored invalidations (revision ≤ local)',
      unit: '/s',
      higher: true,
      goal: 2,
    },
    {
      id: 'cycles',
      name: 'full invalidate → fetch → apply cycles',
      unit: '/s',
      higher: true,
      goal: 1.4,
    },
    { id: 'heap', name: 'heap per started handle', unit: 'B', higher: false, goal: 1000 },
    {
      id: 'alloc',
      name: 'bytes allocated per cycle, app listening (onApply ×2 where it exists, onStatus)',
      unit: 'B',
      higher: false,
      // Run with room for the whole window in the young generation (see measure.mjs).
      flags: ['--min-semi-space-size=64', '--max-semi-space-size=64'],
    },
  ];
  const samples = {};
  for (let run = 0; run < RUNS; run++) {
    for (const metric of metrics) {
      // Alternate who goes first, so a warming or loaded machine does not favour one side.
      const order = run % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
      for (const name of order) {
        const out = execFileSync(
          process.execPath,
          [
            '--expose-gc',
            ...(metric.flags ?? []),
            join(here, 'measure.mjs'),
            engines[name].file,
            metric.id,
          ],
          { encoding: 'utf8' },
        );
        const { value } = JSON.parse(out.trim().split('\n').pop());
        samples[`${metric.id}:${name}`] ??= [];
        samples[`${metric.id}:${name}`].push(value);
        console.log(`run ${run + 1} ${metric.id} ${name}: ${value.toFixed(1)}`);
      }
    }
  }

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const fmt = (value, unit) =>
    unit === '/s'
      ? value >= 1e6
        ? `${(value / 1e6).toFixed(2)} M/s`
        : `${(value / 1e3).toFixed(0)} k/s`
      : `${Math.round(value).toLocaleString('en-US')} B`;

  const rows = metrics.map((metric) => {
    const before = median(samples[`${metric.id}:before`]);
    const after = median(samples[`${metric.id}:after`]);
    const ratio = after / before;
    const goal =
      metric.goal === undefined
        ? '—'
        : metric.higher
          ? `≥ ${metric.goal}× before`
          : `≤ ${metric.goal} B`;
    const met =
      metric.goal === undefined
        ? '—'
        : (metric.higher ? ratio >= metric.goal : after <= metric.goal)
          ? 'yes'
          : 'no';
    return {
      ...metric,
      before,
      after,
      ratio,
      goalText: goal,
      met,
      samples: {
        before: samples[`${metric.id}:before`],
        after: samples[`${metric.id}:after`],
      },
    };
  });
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `Linux ${release()}`,
    node: process.version,
    loadStart: loadStart.map((x) => +x.toFixed(2)),
    loadEnd: loadavg().map((x) => +x.toFixed(2)),
  };
  const date = new Date().toISOString().slice(0, 10);
  const json = {
    date,
    base: baseCommit,
    head: headCommit,
    dirty,
    runs: RUNS,
    machine,
    rows,
    sizes: sizeCases,
  };
  const resultsDir = join(root, 'bench/results');
  writeFileSync(join(resultsDir, 'engine.json'), `${JSON.stringify(json, null, 2)}\n`);

  const md = [
    `# Engine benchmark — ${date}`,
    '',
    'Command: `pnpm --filter @state-sync/bench bench:engine` (bench/engine/run.mjs).',
    '',
    `Before: \`${baseCommit}\` (git worktree in a temp folder, built there). After: \`${headCommit}\`${dirty ? ' plus uncommitted changes' : ''}. ` +
      `Each metric ran ${RUNS} times per engine, each run a fresh \`node --expose-gc\` process, ` +
      'interleaved (before/after, then after/before); each process measures one 1.5 s window after a',
    'warm-up (garbage collection included: allocations are part of the cost), and the table shows',
    'the median of the processes.',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, Node ${machine.node}; ` +
      `load average at start ${machine.loadStart.join(' / ')}, at end ${machine.loadEnd.join(' / ')} (a shared machine: other work ran beside it).`,
    '',
    '| metric | before | after | after ÷ before | goal | met |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.before, r.unit)} | ${fmt(r.after, r.unit)} | ${r.ratio.toFixed(2)}× | ${r.goalText} | ${r.met} |`,
    ),
    '',
    'Sizes (esbuild minify + tree-shake of the import set, gzip -9; deterministic, built once):',
    '',
    '| import set | before | after | goal | met |',
    '|---|---:|---:|---:|---|',
    ...sizeCases.map(
      (s) =>
        `| ${s.name} | ${s.before} B | ${s.after} B | ≤ ${s.goal} B | ${s.after <= s.goal ? 'yes' : 'no'} |`,
    ),
    '',
    'Reading it: the goals of issue 9 are ratios to "before", measured here in the same run; the',
    "absolute rates depend on the harness and the machine's load (the issue's own table came from",
    'another harness). The machine is shared with other helpers (builds, tests, benchmarks on the',
    'same two cores), so the rates are noisy; the load averages above say how busy it was during',
    'this run. Sizes and the bytes allocated per cycle are deterministic.',
    '',
    'The engine size goal (1,600 B) is not reached, and is not reachable without dropping features',
    'the issue requires (measured below). Size-limit (the budget in packages/core/package.json,',
    'built dist/) now says 2.67 kB (2,661 B) for `createRevisionSync` + revision helpers, from 2.83 kB: the',
    'payload checks return the offending field and one builder writes `event revision "007"` (code',
    '+ field + value; the sentences saying why are gone, the code says it), assertRevision and',
    'nextRevision share one error path, isRevision tests each char once, and refresh() callers',
    'share one promise per fetch (the next fetch to start takes every call made since the last',
    'one started: no fetch numbers, no tuple per call). What each part costs (gzip bytes,',
    'size-limit measure, each part deleted in turn from the minified bundle, so the last column',
    'is what is left with all of them gone; measured at 2,667 B, before the refresh() change,',
    'which took 6 B off the waiters row):',
    '',
    '| part deleted (cumulative) | B | left |',
    '|---|---:|---:|',
    '| logger calls (4) | 74 | 2,593 |',
    '| schema validation (Standard Schema, sync or async) | 106 | 2,487 |',
    '| metrics object, counters, getMetrics | 89 | 2,398 |',
    '| shouldRefresh | 51 | 2,347 |',
    '| connectivity (offline / reconnect events) | 89 | 2,258 |',
    '| onApply, revision shown during apply | 35 | 2,223 |',
    '| onStatus, copy-on-write listener lists, emit | 115 | 2,108 |',
    '| refresh() waiters | 108 | 2,000 |',
    '| coalescing with revision/epoch targets | 91 | 1,909 |',
    '| Context (lazy AbortSignal: the heap per handle) | 27 | 1,882 |',
    '| invalidation + snapshot checks, problem text | 220 | 1,662 |',
    '| error reporting (#fail: code, cause, counter, onError) | 65 | 1,597 |',
    '',
    'With every feature the peer lacks, the input checks and the error reporting deleted, 1,597 B',
    'are left: the revision helpers with StateSyncError and describeValue (502 B on their own) and',
    'about 1,100 B of class, fetch/apply loop with its stop-quiescence guards, start/subscribe/stop,',
    'status and epoch. The goal would need all the features above in what that skeleton costs',
    'alone. Tried and measured, not kept: esbuild `mangleProps` has nothing to rename (every',
    'internal field is a `#private` field, which esbuild already shortens to `#a`; the property',
    'names left are public API: options, metrics, envelope fields); writing the handle as closures',
    'instead of a class would save at most 120 B (every `this.#` deleted from the bundle) but a',
    'closure per method puts about 1,800 B on every handle (20,000 handles, 22 closures over one',
    'context), against 451 B and the ≤ 1,000 B goal; metrics built from a key string',
    '(`Object.fromEntries`) was 21 B larger; a table-driven check (the last attempt) saved 4 B. Moving logger,',
    'schema or shouldRefresh out of the engine would change options that apps and the transports',
    'pass through (broadcast-channel forwards `schema` and `shouldRefresh`), and would still leave',
    'about 2,430 B; it was not done. The invalidation check keeps early returns: written as one',
    'chained expression it was 20 B smaller but slower on the ignored-invalidation path in an A/B',
    'against main (median of 6 processes each, 22.1 against 23.1 M/s; early returns 23.1).',
    '',
    'Hot path (the earlier engine work): emitting does not copy the listener list (copy-on-write',
    'arrays) and a listener call takes no closure. Measured with the `alloc` metric against main',
    'just before it (dfeaa2a, same measure.mjs): 2,093 → 1,690 B allocated per cycle while the app',
    'listens (-19 %); the rest is the fetch itself (promises, the context, the envelope the applier',
    'gets). refresh() calls now share one promise per fetch: no tuple per call and no array, and',
    'an idle handle holds nothing for them; the two fields that hold them (`#next`, `#serving`)',
    'are why the heap per handle reads a few bytes more than the 453 B of the run before it.',
    '',
    'The size table above is built from src/ with the options given there (ESM, externals kept as',
    'import statements); size-limit measures the built dist/ (the budgets in each package.json)',
    'and prints different figures for the same import sets: now core engine + helpers 2.67 kB,',
    'Tauri subscriber + provider 492 B (goal ≤ 500 B: met by the budget). Tauri went from 544 B:',
    'every runtime import from core goes through one file, so the build has one import statement',
    '(one `require` in CJS) instead of one per source file; argument errors name the option and',
    'its value (`event "a b"`, code `invalid_argument`) as the engine\'s do; the unlisten call is',
    "inline. The esbuild ESM measure above still counts the write path's imports from core",
    "(esbuild keeps an external import statement whole, with `createTauriMutations`'s names).",
    '',
    'What is measured (bench/engine/measure.mjs):',
    '- ignored invalidations: valid events for the topic at or below the local revision, fed',
    '  synchronously to the handler the engine subscribed; must cost no fetch.',
    '- cycles: one invalidation newer than local → `getSnapshot` (a resolved promise) → apply,',
    '  awaited end to end before the next one.',
    '- heap per started handle: 20,000 handles sharing one subscriber, provider and applier, all',
    '  started and synced; heap used after GC, divided by the count.',
    '- bytes allocated per cycle: 20,000 cycles as above with two onApply listeners (where the',
    '  engine has onApply: not "before") and one onStatus listener, after an awaited refresh(), in',
    '  a young generation large enough that nothing is collected in the window: heap growth ÷ count.',
    '',
  ].join('\n');
  writeFileSync(join(resultsDir, 'engine.md'), md);
  console.log(`\n${md}`);
} finally {
  git('worktree', 'remove', '--force', baseTree);
  rmSync(tmp, { recursive: true, force: true });
}
