// Exactly once over real sockets: 3 typed clients mutate while connections drop, mutate frames are
// duplicated and the server restarts on a durable SQLite store. Each mutation must be applied
// once, every client must converge on the server's state, and no client's view may show a
// mutation after its refusal reached the app.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource, type Source } from '@state-sync/core';
import { createSqliteStore } from '@state-sync/sqlite';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createSyncServer, type SyncServer } from '../src/server';
import { createSyncClient, type WritesSyncClient } from '../src/writes';
import { type Todo, todoMutators } from './write-fixtures';

const mutators = { todos: todoMutators };
const HOST = '127.0.0.1';
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Action =
  | { kind: 'add'; client: number }
  | { kind: 'refused'; client: number }
  | { kind: 'drop'; client: number }
  | { kind: 'duplicate'; client: number; on: boolean }
  | { kind: 'wait'; ms: number }
  | { kind: 'restart' };

const client = fc.integer({ min: 0, max: 2 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refused' as const), client }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), client }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('duplicate' as const), client, on: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.nat(15) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

/** `ws` whose outgoing `mutate` frames are sent twice while `duplicating` is on. */
function duplicatingWebSocket(flag: { duplicating: boolean }) {
  return class extends WebSocket {
    override send(data: string): void {
      super.send(data);
      if (flag.duplicating && data.includes('"type":"mutate"')) super.send(data);
    }
  } as unknown as typeof WebSocket;
}

interface Sim {
  client: WritesSyncClient<typeof mutators>;
  flag: { duplicating: boolean };
  /** Refusals whose rejection reached the app (the text the local apply shows). */
  refused: Set<string>;
  violations: string[];
}

async function run(actions: Action[], dir: string): Promise<void> {
  const path = join(dir, `run-${Math.random().toString(36).slice(2)}.db`);
  const open = () => createSource({ store: createSqliteStore({ path, synchronous: 'NORMAL' }) });
  let source: Source = open();
  const serverOptions = { mutators, rateLimit: false as const, host: HOST, onError: () => {} };
  let server: SyncServer = await createSyncServer({ ...serverOptions, source, port: 0 });
  const port = server.port as number;
  const added = new Set<string>();
  const outcomes: Array<Promise<unknown>> = [];
  let counter = 0;

  const sims: Sim[] = [0, 1, 2].map(() => {
    const flag = { duplicating: false };
    const sim: Sim = {
      flag,
      refused: new Set(),
      violations: [],
      client: createSyncClient({
        url: `ws://${HOST}:${port}`,
        WebSocket: duplicatingWebSocket(flag),
        browserEvents: false,
        reconnect: { baseDelayMs: 5, maxDelayMs: 40, healthyAfterMs: 0 },
        mutators,
        retryMs: 20,
      }),
    };
    return sim;
  });
  const showsRefused = (sim: Sim, view: Todo[] | null | undefined) =>
    (view ?? []).some((todo) => todo.id === 'optimistic' && sim.refused.has(todo.text));
  const syncs = sims.map((sim) =>
    sim.client.sync<Todo[] | null>('todos', {
      applier: sim.client.optimistic.applier('todos', {
        apply: ({ data }) => {
          if (showsRefused(sim, data))
            sim.violations.push(`shown after refusal: ${JSON.stringify(data)}`);
        },
      }),
    }),
  );

  try {
    await Promise.all(syncs.map((sync) => sync.start()));
    for (const step of actions) {
      if (step.kind === 'add') {
        const id = `t${++counter}`;
        added.add(id);
        const sim = sims[step.client] as Sim;
        outcomes.push(sim.client.mutate('todos', 'addTodo', { id, text: id }));
      } else if (step.kind === 'refused') {
        const sim = sims[step.client] as Sim;
        const code = `no${++counter}`;
        outcomes.push(
          sim.client.mutate('todos', 'refuse', { code, message: `refused ${code}` }).then(
            () => sim.violations.push(`${code} was acked`),
            (error: { code?: string }) => {
              if (error.code !== code) sim.violations.push(`${code} failed with ${error.code}`);
              sim.refused.add(code);
              const view = sim.client.optimistic.view<Todo[] | null>('todos');
              if (showsRefused(sim, view)) sim.violations.push(`${code} still in the view`);
            },
          ),
        );
      } else if (step.kind === 'drop') {
        const conns = server.connections();
        conns[step.client % Math.max(1, conns.length)]?.terminate();
      } else if (step.kind === 'duplicate') {
        (sims[step.client] as Sim).flag.duplicating = step.on;
      } else if (step.kind === 'wait') {
        await settle(step.ms);
      } else {
        await server.close('restart');
        await source.close();
        source = open(); // the same file: the epoch, revisions and client seqs survive
        server = await createSyncServer({ ...serverOptions, source, port });
      }
    }
    await Promise.allSettled(outcomes);
    // Exactly once: every add is there once, no refused mutation is.
    const final = (await source.topic<Todo[] | null>('todos').get()).data ?? null;
    const ids = (final ?? []).map((todo) => todo.id);
    expect(ids.slice().sort()).toStrictEqual([...added].sort());
    // Every client converges on the server's state, with nothing left pending.
    await vi.waitFor(
      () => {
        for (const sim of sims) {
          expect(sim.client.optimistic.pending()).toStrictEqual([]);
          expect(sim.client.optimistic.view('todos')).toStrictEqual(final);
        }
      },
      { timeout: 5000, interval: 10 },
    );
    for (const sim of sims) expect(sim.violations).toStrictEqual([]);
  } finally {
    await Promise.all(sims.map((sim) => sim.client.close()));
    await server.close();
    await source.close();
  }
}

describe('typed writes over real sockets: exactly once, converging, no resurrected refusal', () => {
  it('holds under drops, duplicated frames and restarts on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-writes-'));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 30 }), (actions) =>
          run(actions, dir),
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
