// Exactly once and convergence over a simulated lossy link: 3 clients mutate while requests and
// responses are dropped or duplicated and the source restarts on a store that outlives it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createMutationHandler,
  createOptimisticQueue,
  createSource,
  type MutationAck,
  type MutationHandler,
  type MutationRequest,
  type OptimisticQueue,
  type Source,
} from '../src/index';
import { type Todo, todoMutators } from './write-fixtures';

const mutators = { todos: todoMutators };
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

type Action =
  | { kind: 'add'; client: number }
  | { kind: 'refused'; client: number }
  | { kind: 'deliver'; client: number; duplicate: boolean; loseResponse: boolean }
  | { kind: 'dropRequest'; client: number }
  | { kind: 'pull'; client: number }
  | { kind: 'restart' };

const client = fc.integer({ min: 0, max: 2 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), client }),
  fc.record({ kind: fc.constant('refused' as const), client }),
  fc.record({
    kind: fc.constant('deliver' as const),
    client,
    duplicate: fc.boolean(),
    loseResponse: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('dropRequest' as const), client }),
  fc.record({ kind: fc.constant('pull' as const), client }),
  fc.constant({ kind: 'restart' as const }),
);

interface Outstanding {
  request: MutationRequest;
  resolve(ack: MutationAck): void;
  reject(error: unknown): void;
}

interface SimClient {
  queue: OptimisticQueue<typeof mutators>;
  outstanding: Outstanding[];
  /** Texts of refused mutations whose refusal reached the app. */
  refusedSeen: Set<string>;
}

async function run(actions: Action[]): Promise<void> {
  const store = createMemoryStore({ epoch: 'E' });
  let source: Source = createSource({ store });
  let handler: MutationHandler = createMutationHandler({ source, mutators });
  const added = new Map<string, 'pending' | 'acked'>();
  let counter = 0;

  const clients: SimClient[] = [0, 1, 2].map(() => {
    const sim: SimClient = { queue: undefined as never, outstanding: [], refusedSeen: new Set() };
    sim.queue = createOptimisticQueue({
      mutators,
      send: (request) =>
        new Promise<MutationAck>((resolve, reject) =>
          sim.outstanding.push({ request: structuredClone(request), resolve, reject }),
        ),
    });
    return sim;
  });

  async function pull(sim: SimClient): Promise<void> {
    const snapshot = structuredClone(await handler.snapshot<Todo[]>('todos', sim.queue.clientId));
    if (snapshot.lastAppliedSeq !== undefined)
      sim.queue.confirm('todos', snapshot.lastAppliedSeq, snapshot.revision, snapshot.epoch);
    sim.queue.applyConfirmed('todos', snapshot);
  }

  /** The server's answer as the transport would carry it: an ack, or a refusal frame. */
  async function serve(request: MutationRequest) {
    return handler.apply(structuredClone(request)).then(
      (ack) => ({ ok: true as const, ack }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  }

  function checkNoRefusedShown(): void {
    for (const sim of clients) {
      const texts = (sim.queue.view<Todo[]>('todos') ?? []).map((todo) => todo.text);
      for (const text of sim.refusedSeen) expect(texts).not.toContain(text);
    }
  }

  async function step(act: Action): Promise<void> {
    if (act.kind === 'restart') {
      // In-flight requests are lost with the process; the store (and its seq memory) survives.
      await source.close().catch(() => {});
      source = createSource({ store });
      handler = createMutationHandler({ source, mutators });
      for (const sim of clients) failLink(sim);
      return;
    }
    const sim = clients[act.client] as SimClient;
    if (act.kind === 'add') {
      const id = `c${act.client}-${counter++}`;
      added.set(id, 'pending');
      sim.queue.mutate('todos', 'addTodo', { id, text: id }).then(
        () => added.set(id, 'acked'),
        (error) => {
          throw new Error(`add ${id} was refused: ${String(error)}`);
        },
      );
    } else if (act.kind === 'refused') {
      const code = `refused-${counter++}`;
      sim.queue.mutate('todos', 'failOnServer', { code }).then(
        () => {
          throw new Error(`${code} was applied`);
        },
        () => sim.refusedSeen.add(code),
      );
    } else if (act.kind === 'deliver') {
      const sent = sim.outstanding.at(-1);
      if (!sent) return;
      let answer = await serve(sent.request);
      if (act.duplicate) answer = await serve(sent.request);
      if (act.loseResponse) failLink(sim);
      else {
        sim.outstanding = [];
        if (answer.ok) sent.resolve(answer.ack);
        else sent.reject(answer.error);
      }
    } else if (act.kind === 'dropRequest') failLink(sim);
    else await pull(sim);
  }

  /** The connection drops: unanswered sends fail, the client reconnects, resends and pulls. */
  function failLink(sim: SimClient): void {
    const lost = sim.outstanding;
    sim.outstanding = [];
    for (const sent of lost) sent.reject(new Error('disconnected'));
    sim.queue.resend();
  }

  for (const act of actions) {
    await step(act);
    await flush();
    checkNoRefusedShown();
  }
  // The link heals: deliver everything, then every client pulls.
  for (let round = 0; round < 200; round++) {
    const busy = clients.filter((sim) => sim.outstanding.length > 0);
    if (busy.length === 0 && clients.every((sim) => sim.queue.pending().every((p) => p.acked)))
      break;
    for (const sim of busy)
      await step({
        kind: 'deliver',
        client: clients.indexOf(sim),
        duplicate: false,
        loseResponse: false,
      });
    await flush();
    checkNoRefusedShown();
  }
  for (const sim of clients) await pull(sim);
  await flush();
  checkNoRefusedShown();

  const server = (await source.topic<Todo[]>('todos').get()).data ?? [];
  const ids = server.map((todo) => todo.id);
  // Exactly once: every add applied, none twice, no refused one.
  expect([...ids].sort()).toStrictEqual([...added.keys()].sort());
  expect([...added.values()].every((state) => state === 'acked')).toBe(true);
  // Convergence: every view is the server's state, with nothing left pending.
  for (const sim of clients) {
    expect(sim.queue.view('todos') ?? []).toStrictEqual(server);
    expect(sim.queue.pending()).toStrictEqual([]);
  }
}

describe('writes over a lossy link (property)', () => {
  it('applies every mutation exactly once, converges, and never shows a refused mutation after its refusal', async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), run), {
      numRuns: 150,
    });
  });
});
