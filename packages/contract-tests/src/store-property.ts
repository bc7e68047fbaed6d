// The store model property: under any sequence of writes (with and without deltas, on stale and
// current revisions, across topics, with reopens for durable stores), read and readSince answer
// exactly what a reference model of the documented rules answers.
import { type SourceStore, utf8Length } from '@state-sync/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStore, type StoreFixture } from './store-harness';
import { type StoreGroup, storeTimeout } from './store-scenarios';

const TOPICS = ['a', 'b:c'];
const BOUNDS = { maxEntries: 4, maxBytes: 300 };

type Command =
  | { kind: 'write'; topic: number; delta: 'small' | 'large' | 'none'; stale: boolean }
  | { kind: 'readSince'; topic: number; back: number; epoch: 'same' | 'other' }
  | { kind: 'reopen' };

interface ModelTopic {
  revision: number;
  data: unknown;
  log: Array<{ revision: number; ops: unknown[]; bytes: number }>;
}

/** The documented rules, written plainly: consecutive log, newest kept, gap on a missing delta. */
function modelWrite(topic: ModelTopic, data: unknown, ops: unknown[] | undefined): void {
  topic.revision++;
  topic.data = data;
  const bytes = ops ? utf8Length(JSON.stringify(ops)) : 0;
  if (!ops || bytes > BOUNDS.maxBytes) {
    topic.log = [];
    return;
  }
  topic.log.push({ revision: topic.revision, ops, bytes });
  const total = () => topic.log.reduce((sum, entry) => sum + entry.bytes, 0);
  while (topic.log.length > BOUNDS.maxEntries || total() > BOUNDS.maxBytes) topic.log.shift();
}

function modelSince(topic: ModelTopic, revision: number) {
  const behind = topic.revision - revision;
  if (behind < 0 || behind > topic.log.length) return undefined;
  return topic.log
    .slice(topic.log.length - behind)
    .map((entry) => ({ revision: String(entry.revision), ops: entry.ops }));
}

function commands(durable: boolean): fc.Arbitrary<Command> {
  const topic = fc.nat(TOPICS.length - 1);
  const options: Array<fc.WeightedArbitrary<Command>> = [
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('write' as const),
        topic,
        // Mostly small deltas on current revisions, so logs fill up to their bounds between gaps.
        delta: fc.constantFrom(
          ...(['small', 'small', 'small', 'small', 'small', 'large', 'none'] as const),
        ),
        stale: fc.constantFrom(false, false, false, false, true),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('readSince' as const),
        topic,
        back: fc.integer({ min: -1, max: 7 }),
        epoch: fc.constantFrom('same' as const, 'same' as const, 'other' as const),
      }),
    },
  ];
  if (durable) options.push({ weight: 1, arbitrary: fc.constant({ kind: 'reopen' } as const) });
  return fc.oneof(...options);
}

async function run(f: StoreFixture, list: Command[], runId: number): Promise<void> {
  const model = TOPICS.map((): ModelTopic => ({ revision: 0, data: undefined, log: [] }));
  let store: SourceStore = f.store;
  const epoch = await store.getEpoch();
  for (const [step, command] of list.entries()) {
    if (command.kind === 'reopen') {
      store = await f.reopen();
      expect(await store.getEpoch(), 'a reopened durable store kept its epoch').toBe(epoch);
      continue;
    }
    const name = TOPICS[command.topic] as string;
    const topic = model[command.topic] as ModelTopic;
    if (command.kind === 'write') {
      const data = { runId, step };
      const pad = command.delta === 'large' ? 'x'.repeat(BOUNDS.maxBytes) : '';
      const ops =
        command.delta === 'none'
          ? undefined
          : [{ op: 'replace', path: '/step', value: `${step}${pad}` }];
      const current = topic.revision === 0 ? undefined : String(topic.revision);
      const expected = command.stale ? String(topic.revision + 1) : current;
      const record = await store.write(name, data, expected, { delta: ops });
      if (command.stale) {
        expect(record, `step ${step}: a write on a revision the topic is not at was refused`).toBe(
          undefined,
        );
      } else {
        modelWrite(topic, data, ops);
        expect(record, `step ${step}: the write landed`).toStrictEqual({
          epoch,
          revision: String(topic.revision),
          data,
        });
      }
    } else {
      const revision = Math.max(0, topic.revision - command.back);
      const asked = command.epoch === 'same' ? epoch : `${epoch}~other`;
      const expected = command.epoch === 'same' ? modelSince(topic, revision) : undefined;
      expect(
        await store.readSince?.(name, asked, String(revision)),
        `step ${step}: readSince("${name}", ${command.epoch} epoch, "${revision}") at revision ${topic.revision}`,
      ).toStrictEqual(expected);
    }
    const stored = await store.read(name);
    expect(stored?.revision ?? '0', `step ${step}: revision of "${name}"`).toBe(
      String(topic.revision),
    );
  }
}

/** The model property; `propertyRuns` (default 50) sets the number of random sequences. */
export const describeStoreModelProperty: StoreGroup = (name, factory, options = {}) => {
  const runs = options.propertyRuns ?? 50;
  describe('model property', () => {
    it(
      `answers read and readSince exactly as the documented rules do (${runs} random sequences)`,
      async () => {
        let runId = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(commands(options.durable === true), { maxLength: 60, size: 'max' }),
            async (list) => {
              // One fresh storage per sequence; closed and disposed when the test ends.
              const f = await openStore(name, factory, options, { deltaLog: BOUNDS });
              try {
                await run(f, list, ++runId);
              } finally {
                await f.dispose();
              }
            },
          ),
          { numRuns: runs },
        );
      },
      storeTimeout(options) * 4,
    );
  });
};
