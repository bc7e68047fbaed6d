// One process of the delta benchmark: a 100 KB state, one field changed per round (an immutable
// update, as a store makes it), and what each way of getting the new state to a client costs in
// CPU. Cases run interleaved, round after round, so machine noise hits them alike; the runner
// (run.mjs) starts several of these processes and combines their medians.
import { applyDelta, invalidateMessageSchema, snapshotMessageSchema } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import jsonPatch, { type Operation } from 'fast-json-patch';

type Card = {
  id: string;
  title: string;
  text: string;
  tags: string[];
  done: boolean;
  assignee: { name: string; email: string };
};
type Board = { title: string; revision: number; cards: Card[] };

function makeBoard(cards: number): Board {
  return {
    title: 'Delta benchmark board',
    revision: 0,
    cards: Array.from({ length: cards }, (_, i) => ({
      id: `card-${i}`,
      title: `Card number ${i}`,
      text: 'The quick brown fox jumps over the lazy dog; '.repeat(2),
      tags: ['alpha', 'beta', `t${i % 7}`],
      done: false,
      assignee: { name: `user ${i % 13}`, email: `user${i % 13}@example.com` },
    })),
  };
}

/** The 1-field change: flip `done` of one card, copying only the path to it. */
function change(board: Board, round: number): Board {
  const index = (((round * 37) % board.cards.length) + board.cards.length) % board.cards.length;
  const cards = [...board.cards];
  cards[index] = { ...cards[index]!, done: !cards[index]!.done };
  return { ...board, cards };
}

const frame = (data: unknown) =>
  `{"type":"snapshot","id":"r1","topic":"board","revision":"2","epoch":"e","data":${JSON.stringify(data)}}`;

type Case = { name: string; run: (previous: Board, next: Board) => unknown };

const cases: Case[] = [
  {
    name: 'delta: diffStates + frame stringify (server) + parse, validate, applyDelta (client)',
    run(previous, next) {
      const ops = diffStates(previous, next)!;
      const text = JSON.stringify({
        type: 'invalidate',
        topic: 'board',
        revision: '2',
        epoch: 'e',
        delta: { baseRevision: '1', ops },
      });
      const message = invalidateMessageSchema.parse(JSON.parse(text));
      return applyDelta(previous, message.delta!.ops);
    },
  },
  {
    name: 'snapshot: JSON.stringify of the state (server) + parse, validate (client)',
    run(_previous, next) {
      return snapshotMessageSchema.parse(JSON.parse(frame(next))).data;
    },
  },
  {
    name: 'diffStates alone (server)',
    run: (previous, next) => diffStates(previous, next),
  },
  {
    name: 'applyDelta alone (client)',
    run: (previous, next) => applyDelta(previous, opsFor(previous, next)),
  },
  {
    name: 'peer: fast-json-patch applyPatch, document not mutated (deep clone) (client)',
    run: (previous, next) =>
      jsonPatch.applyPatch(previous, opsFor(previous, next) as Operation[], false, false)
        .newDocument,
  },
];

// applyDelta/applyPatch alone get their ops from a cache, so only the apply is timed.
const opsCache = new WeakMap<object, ReturnType<typeof diffStates>>();
function opsFor(previous: Board, next: Board) {
  let ops = opsCache.get(next);
  if (!ops) {
    ops = diffStates(previous, next)!;
    opsCache.set(next, ops);
  }
  return ops;
}

const cardsArg = Number(process.argv[2] ?? 420);
const rounds = Number(process.argv[3] ?? 40);
const perRound = Number(process.argv[4] ?? 50);

const base = makeBoard(cardsArg);
const stateBytes = JSON.stringify(base).length;
const sampleOps = diffStates(base, change(base, 1))!;
const times: number[][] = cases.map(() => []);
let sink = 0;
for (let round = -5; round < rounds; round++) {
  // Fresh pairs each round; built outside the timed section.
  const pairs = Array.from({ length: perRound }, (_, i) => {
    const previous = change(base, round * perRound + i + 1000);
    return [previous, change(previous, round * perRound + i)] as const;
  });
  for (const next of pairs) opsFor(next[0], next[1]);
  cases.forEach((testCase, index) => {
    const start = process.hrtime.bigint();
    for (const [previous, next] of pairs) if (testCase.run(previous, next)) sink++;
    const micros = Number(process.hrtime.bigint() - start) / 1000 / perRound;
    if (round >= 0) times[index]!.push(micros);
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const quartile = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 4)]!;
process.stdout.write(
  `${JSON.stringify({
    stateBytes,
    opsBytes: JSON.stringify(sampleOps).length,
    ops: sampleOps,
    sink,
    cases: cases.map((testCase, index) => ({
      name: testCase.name,
      medianMicros: median(times[index]!),
      lowerQuartileMicros: quartile(times[index]!),
    })),
  })}\n`,
);
