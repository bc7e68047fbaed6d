// The convergence property: under any schedule of changes, drops, duplicates, reorders, delayed
// replies and source restarts, every client ends on the source's final state and revision, never
// applies data the source did not have at that revision, and never moves back within an epoch.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { SyncedClient } from '../fixture';
import type { ContractOptions } from '../harness';
import type { ContractScenario } from '../scenario';
import { defineGroup } from './common';

type Data = { run: number; n: number };
type Command =
  | { kind: 'change' }
  | { kind: 'deliver' | 'drop' | 'duplicate'; client: number; index: number }
  | { kind: 'release'; client: number }
  | { kind: 'fail'; client: number }
  | { kind: 'yield' }
  | { kind: 'restart' };

const CLIENTS = 3;

function commands(canRestart: boolean): fc.Arbitrary<Command> {
  const client = fc.nat(CLIENTS - 1);
  const index = fc.nat(8);
  const arbitraries: Array<fc.WeightedArbitrary<Command>> = [
    { weight: 5, arbitrary: fc.constant({ kind: 'change' } as const) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), client, index }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), client, index }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), client, index }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), client }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('fail' as const), client }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'yield' } as const) },
  ];
  if (canRestart)
    arbitraries.push({ weight: 1, arbitrary: fc.constant({ kind: 'restart' } as const) });
  return fc.oneof(...arbitraries);
}

export function propertyRuns(options: ContractOptions): number {
  const fromEnv = Number(process.env.STATE_SYNC_PROPERTY_RUNS);
  return options.propertyRuns ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1000);
}

export const convergenceScenario: ContractScenario = {
  id: 'convergence/property',
  title: (options) =>
    `every client ends on the source's final state under random faults (${propertyRuns(options)} schedules)`,
  hint: 'the failing schedule is printed below with its seed; replay it with the other scenarios in mind: a fetch answered from a copy, a lost invalidation never made good, a restart not followed by a resync, or data served at a revision the source never had it',
  timeoutMs: 600_000,
  async run(f, options) {
    const runs = propertyRuns(options);
    const endpoints = await Promise.all(Array.from({ length: CLIENTS }, () => f.connect()));
    const canRestart = typeof f.harness.restart === 'function';
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(commands(canRestart), { maxLength: 30 }), async (schedule) => {
        run++;
        const topic = `property-${run}`;
        const history = new Map<string, Data>(); // `${epoch}|${revision}` → data the source had
        let n = 0;
        const initial: Data = { run, n: 0 };
        f.harness.source.topic<Data>(topic, { initial });
        history.set(`${await f.harness.source.getEpoch()}|0`, initial);

        const clients: SyncedClient<Data>[] = [];
        const starts: Promise<void>[] = [];
        for (const endpoint of endpoints) {
          const client = await f.sync<Data>(topic, { endpoint });
          client.link.mode = 'manual';
          client.link.holdFetches = true;
          clients.push(client);
          starts.push(client.handle.start());
        }
        const change = async () => {
          const data = { run, n: ++n };
          const envelope = await f.harness.source.topic<Data>(topic).set(data);
          history.set(`${envelope.epoch}|${envelope.revision}`, data);
          return envelope;
        };

        for (const command of schedule) {
          if (command.kind === 'change') await change();
          else if (command.kind === 'yield') await new Promise((resolve) => setTimeout(resolve, 0));
          else if (command.kind === 'restart') {
            const fresh = { run, n: -++n };
            await f.harness.restart!({ [topic]: fresh });
            history.set(`${await f.harness.source.getEpoch()}|0`, fresh);
          } else {
            const link = clients[command.client]!.link;
            if (command.kind === 'release') link.release();
            else if (command.kind === 'fail') link.failNextFetches(1);
            else if (command.kind === 'drop') link.drop(command.index);
            else link.deliver(command.index, command.kind === 'duplicate');
          }
          await Promise.resolve();
        }

        // Quiet period: faults stop. A client whose last invalidation got through (whatever was
        // dropped before it) must reach the current state with no further help.
        for (const client of clients) client.link.flush();
        await Promise.all(starts.map((start) => start.catch(() => {})));
        const current = await f.harness.source.topic<Data>(topic).get();
        for (const client of clients) {
          if (!client.link.lastDelivered()) continue;
          await f.eventually(() => {
            expect(client.data()).toEqual(current.data);
            expect(client.handle.getLocalRevision()).toBe(current.revision);
          });
        }
        // Then one change that every client must see.
        const final = await change();
        for (const client of clients) {
          await f.eventually(() => {
            expect(client.data()).toEqual(history.get(`${final.epoch}|${final.revision}`));
            expect(client.handle.getLocalRevision()).toBe(final.revision);
            expect(client.handle.getEpoch()).toBe(final.epoch);
          });
          const epochsSeen: string[] = [];
          let previous: { epoch: string; revision: string } | undefined;
          for (const envelope of client.applied) {
            const epoch = envelope.epoch ?? '';
            expect(envelope.data, `data applied at ${epoch}|${envelope.revision}`).toEqual(
              history.get(`${epoch}|${envelope.revision}`),
            );
            if (previous?.epoch === epoch) {
              expect(
                BigInt(envelope.revision) > BigInt(previous.revision),
                'revision moved backwards within an epoch',
              ).toBe(true);
            } else {
              expect(epochsSeen, 'went back to an epoch it had left').not.toContain(epoch);
              epochsSeen.push(epoch);
            }
            previous = { epoch, revision: envelope.revision };
          }
          // The only errors allowed are the fetch failures the schedule injected.
          expect(client.errors.filter((e) => e.phase !== 'getSnapshot')).toEqual([]);
          expect(client.errors.length).toBeLessThanOrEqual(
            schedule.filter((c) => c.kind === 'fail').length,
          );
          client.handle.stop();
        }
      }),
      { numRuns: runs, endOnFailure: process.env.STATE_SYNC_PROPERTY_SHRINK !== '1' },
    );
  },
};

export const describeConvergenceProperty = defineGroup({
  title: 'convergence property',
  scenarios: [convergenceScenario],
});
