// createTauriMutations against Tauri's official mocks: a TypeScript stand-in for the Rust side of
// docs/transports/tauri.md "Writes" (apply_mutation over core's createMutationHandler, get_snapshot
// with clientId, invalidations with the mutation mark), values crossing as JSON as over real IPC.
import {
  createMemoryStore,
  createMutationHandler,
  createSource,
  defineMutators,
  MutationRejected,
  type Source,
} from '@state-sync/core';
import { invoke } from '@tauri-apps/api/core';
import { emit, listen } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createTauriMutations, type TauriMutations } from '../src/index';

interface Todo {
  id: string;
  text: string;
}
const mutators = {
  todos: defineMutators({
    addTodo: {
      args: z.object({ id: z.string(), text: z.string().min(1) }),
      apply: (state: Todo[] | null, args) => [...(state ?? []), args],
    },
    rename: {
      args: z.object({ id: z.string(), text: z.string() }),
      apply(state: Todo[] | null, args, ctx) {
        if (ctx.server && !state?.some((t) => t.id === args.id))
          throw new MutationRejected('not_found', `todo ${args.id} no longer exists`);
        return (state ?? []).map((t) => (t.id === args.id ? { ...t, text: args.text } : t));
      },
    },
  }),
};
const EVENT = 'state-sync://invalidate';
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

interface Rust {
  source: Source;
  calls: Array<{ cmd: string; args: Record<string, unknown> }>;
  /** Answers the next apply_mutation with this instead of the handler's result (applied first). */
  nextReply?: (ack: unknown) => unknown;
}

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  clearMocks();
});

async function rustSide(): Promise<Rust> {
  const source = createSource({ store: createMemoryStore({ epoch: 'E' }) });
  await source.topic<Todo[]>('todos').set([]);
  const handler = createMutationHandler({ source, mutators });
  const rust: Rust = { source, calls: [] };
  source.subscribe((invalidation) => void emit(EVENT, json(invalidation)));
  mockIPC(
    async (cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      rust.calls.push({ cmd, args: json(args) });
      if (cmd === 'get_snapshot')
        return json(await handler.snapshot(args.topic as string, args.clientId as string));
      if (cmd !== 'apply_mutation') throw `unknown command ${cmd}`;
      try {
        const ack = await handler.apply(args as never);
        const reply = rust.nextReply;
        rust.nextReply = undefined;
        return reply ? reply(ack) : json(ack);
      } catch (error) {
        // Rust: Err(MutationError { code, message, rejected: true }) serialised by serde.
        if (error instanceof MutationRejected) throw { ...error.toJSON(), rejected: true };
        throw String(error);
      }
    },
    { shouldMockEvents: true },
  );
  stops.push(() => source.close());
  return rust;
}

/** A timer the test fires by hand: the retry of a failed invoke. */
function manualTimers() {
  let fire: (() => void) | undefined;
  return {
    timers: {
      setTimeout: (callback: () => void) => {
        fire = callback;
        return 1;
      },
      clearTimeout: () => {
        fire = undefined;
      },
    },
    fire: () => fire?.(),
    armed: () => fire !== undefined,
  };
}

async function webview(extra: Partial<Parameters<typeof createTauriMutations>[0]> = {}) {
  const errors: unknown[] = [];
  const writes: TauriMutations<typeof mutators> = createTauriMutations({
    mutators,
    invoke,
    onError: (error) => errors.push(error),
    ...extra,
  });
  const shown: Todo[][] = [];
  const engine = writes.sync<Todo[]>({
    topic: 'todos',
    listen,
    invoke,
    applier: ({ data }) => void shown.push(data),
  });
  stops.push(
    () => engine.stop(),
    () => writes.stop(),
  );
  await engine.start();
  return { writes, engine, shown, errors };
}

describe('createTauriMutations', () => {
  it('shows a mutation at once, invokes apply_mutation with (clientId, seq) and resolves with the ack', async () => {
    const rust = await rustSide();
    const { writes, shown, errors } = await webview();
    const done = writes.mutate('todos', 'addTodo', { id: 'a', text: 'milk' });
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(await done).toStrictEqual({ revision: '2', epoch: 'E', lastAppliedSeq: 1 });
    expect(rust.calls.find((c) => c.cmd === 'apply_mutation')?.args).toStrictEqual({
      topic: 'todos',
      name: 'addTodo',
      args: { id: 'a', text: 'milk' },
      clientId: writes.clientId,
      seq: 1,
    });
    expect(rust.calls[0]).toMatchObject({
      cmd: 'get_snapshot',
      args: { clientId: writes.clientId },
    });
    await vi.waitFor(() => expect(writes.optimistic.pending()).toStrictEqual([]));
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'milk' }]);
    expect(errors).toStrictEqual([]);
  });

  it("rejects with the Rust side's own code and message and rolls the view back", async () => {
    await rustSide();
    const { writes, shown } = await webview();
    const refused = writes.mutate('todos', 'rename', { id: 'gone', text: 'x' });
    expect(shown.at(-1)).toStrictEqual([]); // rename of a missing id is a no-op locally
    await expect(refused).rejects.toBeInstanceOf(MutationRejected);
    await expect(refused).rejects.toMatchObject({
      code: 'not_found',
      message: 'todo gone no longer exists',
    });
    expect(writes.optimistic.pending()).toStrictEqual([]);
  });

  it('retries an invoke whose reply was lost with the same seq, which the Rust side acks as a duplicate', async () => {
    const rust = await rustSide();
    const clock = manualTimers();
    const { writes, shown, errors } = await webview({ timers: clock.timers });
    rust.nextReply = () => {
      throw 'IPC reply lost';
    };
    const done = writes.mutate('todos', 'addTodo', { id: 'a', text: 'once' });
    await vi.waitFor(() => expect(clock.armed()).toBe(true));
    expect(errors).toStrictEqual(['IPC reply lost']);
    expect(shown.at(-1)).toStrictEqual([{ id: 'a', text: 'once' }]);
    clock.fire();
    expect(await done).toStrictEqual({
      revision: '2',
      epoch: 'E',
      lastAppliedSeq: 1,
      duplicate: true,
    });
    const sent = rust.calls.filter((c) => c.cmd === 'apply_mutation').map((c) => c.args.seq);
    expect(sent).toStrictEqual([1, 1]);
    expect((await rust.source.topic('todos').get()).data).toHaveLength(1);
    expect(writes.getMetrics()).toMatchObject({ retries: 1, invalid: 0 });
  });

  it('rejects a malformed ack naming the field, reports and counts it, and retries', async () => {
    const rust = await rustSide();
    const clock = manualTimers();
    const { writes, errors } = await webview({ timers: clock.timers });
    rust.nextReply = (ack) => ({ ...(ack as object), lastAppliedSeq: '1' });
    const done = writes.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'invalid_reply' });
    expect(String((errors[0] as Error).message)).toContain('lastAppliedSeq');
    clock.fire();
    expect(await done).toMatchObject({ duplicate: true });
    expect(writes.getMetrics()).toMatchObject({ invalid: 1, retries: 1 });
  });

  it.each([
    ['a refusal without rejected: true', { code: 'not_found', message: 'x' }],
    ['a refusal whose code is not a string', { code: 7, message: 'x', rejected: true }],
    ['a bare string', 'panicked'],
  ])('treats %s as a failure to retry, not as a refusal', async (_label, thrown) => {
    const rust = await rustSide();
    const clock = manualTimers();
    const { writes } = await webview({ timers: clock.timers });
    rust.nextReply = () => {
      throw thrown;
    };
    const done = writes.mutate('todos', 'addTodo', { id: 'a', text: 'x' });
    await vi.waitFor(() => expect(clock.armed()).toBe(true));
    clock.fire();
    expect(await done).toMatchObject({ lastAppliedSeq: 1, duplicate: true });
  });

  it('reports and counts a malformed mutation mark on an event, and still hands the event on', async () => {
    await rustSide();
    const { writes, errors, engine } = await webview();
    for (const mutation of [{ clientId: 1, seq: 1 }, { clientId: 'c', seq: 0 }, null]) {
      await emit(EVENT, { topic: 'todos', revision: '1', epoch: 'E', mutation });
    }
    await vi.waitFor(() => expect(writes.getMetrics().invalid).toBe(3));
    expect(errors.every((e) => (e as { code?: string }).code === 'invalid_reply')).toBe(true);
    expect(engine.getStatus()).toBe('synced');
  });

  it('checks its options: a bad invoke or retryMs fails at once, naming it', () => {
    expect(() => createTauriMutations({ mutators, invoke: 'x' as never })).toThrowError(/invoke/);
    expect(() => createTauriMutations({ mutators, invoke, retryMs: 0 })).toThrowError(/retryMs/);
    expect(() => createTauriMutations({ mutators, invoke, command: ' ' })).toThrowError(/command/);
  });

  it('types mutate by the mutators: a wrong topic, name or args do not compile', async () => {
    await rustSide();
    const { writes } = await webview();
    const attempts = [
      // @ts-expect-error: no such topic
      writes.mutate('notes', 'addTodo', { id: 'a', text: 'x' }),
      // @ts-expect-error: no such mutator
      writes.mutate('todos', 'removeAll', {}),
      // @ts-expect-error: text must be a string
      writes.mutate('todos', 'addTodo', { id: 'a', text: 1 }),
    ];
    const codes = await Promise.all(
      attempts.map((p) =>
        p.then(
          () => 'ok',
          (e) => e.code,
        ),
      ),
    );
    expect(codes).toStrictEqual(['unknown_topic', 'unknown_mutator', 'invalid_args']);
  });
});
