// One measurement in a fresh process: `node --expose-gc measure.mjs <engine.js> <metric>` prints
// one JSON line. The engine file is a self-contained ESM bundle of @state-sync/core (see run.mjs).
import { performance } from 'node:perf_hooks';

const [enginePath, metric] = process.argv.slice(2);
const { createRevisionSync } = await import(enginePath);
const TOPIC = 'bench';

/** A subscriber that hands out its handler so the benchmark can emit payloads directly. */
function harness(applier = () => {}) {
  let emit;
  let current = '1';
  const handle = createRevisionSync({
    topic: TOPIC,
    subscriber: {
      subscribe: async (handler) => {
        emit = handler;
        return () => {};
      },
    },
    provider: { getSnapshot: async () => ({ revision: current, epoch: 'e', data: current }) },
    applier,
  });
  return { handle, emit: (event) => emit(event), set: (r) => (current = r) };
}

/** Calls `step` in batches until `ms` have passed; returns operations per second. */
function opsPerSecond(step, ms) {
  let ops = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let i = 0; i < 10_000; i++) step(i);
    ops += 10_000;
    now = performance.now();
  }
  return (ops * 1000) / (now - started);
}

async function ignored() {
  const h = harness();
  h.set('1000');
  await h.handle.start();
  // Valid invalidations at or below the local revision, each a fresh object as a transport that
  // parses messages would hand over.
  const revisions = Array.from({ length: 1024 }, (_, i) => String(1000 - (i % 1000)));
  const step = (i) => h.emit({ topic: TOPIC, revision: revisions[i & 1023], epoch: 'e' });
  opsPerSecond(step, 300); // warm-up
  const value = opsPerSecond(step, 1500);
  if (h.handle.getMetrics().fetches !== 1) throw new Error('an ignored invalidation fetched');
  return value;
}

async function cycles() {
  let resolveApplied;
  const h = harness(() => resolveApplied());
  await h.handle.start();
  let revision = 1;
  // One full cycle: an invalidation newer than local → getSnapshot → apply, awaited end to end.
  const cycle = async () => {
    revision++;
    const r = String(revision);
    h.set(r);
    const applied = new Promise((resolve) => (resolveApplied = resolve));
    h.emit({ topic: TOPIC, revision: r, epoch: 'e' });
    await applied;
  };
  const run = async (ms) => {
    let ops = 0;
    const started = performance.now();
    let now = started;
    while (now - started < ms) {
      for (let i = 0; i < 1000; i++) await cycle();
      ops += 1000;
      now = performance.now();
    }
    return (ops * 1000) / (now - started);
  };
  await run(300);
  const value = await run(1500);
  if (h.handle.getLocalRevision() !== String(revision)) throw new Error('last cycle not applied');
  return value;
}

async function heap() {
  const N = 20_000;
  // Shared subscriber, provider and applier: only what the engine itself holds is counted.
  const unsubscribe = () => {};
  const subscriber = { subscribe: async () => unsubscribe };
  const envelope = { revision: '1', epoch: 'e', data: null };
  const provider = { getSnapshot: async () => envelope };
  const applier = () => {};
  const handles = new Array(N);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      globalThis.gc();
    }
  };
  await settle();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) {
    handles[i] = createRevisionSync({ topic: TOPIC, subscriber, provider, applier });
  }
  await Promise.all(handles.map((h) => h.start()));
  await settle();
  const after = process.memoryUsage().heapUsed;
  if (handles.some((h) => h.getStatus() !== 'synced')) throw new Error('a handle did not sync');
  return (after - before) / N;
}

// Bytes allocated per full cycle while the app listens (two onApply listeners where the engine
// has onApply, one onStatus listener, an awaited refresh() behind it): run with a semi-space large
// enough that no scavenge happens in the window, so the heap growth is what the cycles allocated.
// Deterministic, unlike the rates.
async function alloc() {
  let done = () => {};
  const h = harness(() => done());
  h.handle.onApply?.(() => {});
  h.handle.onApply?.(() => {});
  h.handle.onStatus(() => {});
  await h.handle.start();
  await h.handle.refresh();
  const N = 20_000;
  const revisions = Array.from({ length: 2 * N + 2 }, (_, i) => String(i));
  const events = revisions.map((revision) => ({ topic: TOPIC, revision, epoch: 'e' }));
  const cycle = async (r) => {
    h.set(revisions[r]);
    const applied = new Promise((resolve) => (done = resolve));
    h.emit(events[r]);
    await applied;
  };
  for (let r = 2; r < N + 2; r++) await cycle(r); // warm-up
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  for (let r = N + 2; r < 2 * N + 2; r++) await cycle(r);
  const grown = process.memoryUsage().heapUsed - before;
  if (h.handle.getLocalRevision() !== revisions[2 * N + 1]) throw new Error('not applied');
  return grown / N;
}

const metrics = { ignored, cycles, heap, alloc };
if (!metrics[metric]) throw new Error(`unknown metric ${metric}`);
console.log(JSON.stringify({ metric, value: await metrics[metric]() }));
