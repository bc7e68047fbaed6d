// Compile-time contract of the write path, checked by `pnpm typecheck` (tsc over packages/*/test):
// every `@ts-expect-error` below must be an error, or the build fails.
import type { MutateFn, MutatorArgs, MutatorState, OptimisticQueue } from '../src/index';
import { createOptimisticQueue } from '../src/index';
import { alertMutators, type Todo, todoMutators } from './write-fixtures';

const mutators = { todos: todoMutators, alerts: alertMutators };
declare const mutate: MutateFn<typeof mutators>;

export function typedMutate(): void {
  void mutate('todos', 'addTodo', { id: 'a', text: 'A' });
  void mutate('alerts', 'configure', { warningPercent: 20 });

  // @ts-expect-error: no mutator of that name on this topic
  void mutate('todos', 'addTodoo', { id: 'a', text: 'A' });
  // @ts-expect-error: configure belongs to alerts, not todos
  void mutate('todos', 'configure', { warningPercent: 20 });
  // @ts-expect-error: unknown topic
  void mutate('todo', 'addTodo', { id: 'a', text: 'A' });
  // @ts-expect-error: text must be a string
  void mutate('todos', 'addTodo', { id: 'a', text: 1 });
  // @ts-expect-error: text is required
  void mutate('todos', 'addTodo', { id: 'a' });
}

export function typedQueue(queue: OptimisticQueue<typeof mutators>): void {
  void queue.mutate('todos', 'removeTodo', { id: 'a' });
  // @ts-expect-error: wrong args for removeTodo
  void queue.mutate('todos', 'removeTodo', { text: 'a' });
  const created = createOptimisticQueue({
    mutators,
    send: async () => ({ revision: '1', epoch: 'E', lastAppliedSeq: 1 }),
  });
  // @ts-expect-error: no mutator of that name
  void created.mutate('alerts', 'reset', {});
}

// The state type comes from apply's first parameter; the args type from the schema.
const state: MutatorState<typeof todoMutators> = [{ id: 'a', text: 'A' }] satisfies Todo[] | null;
const args: MutatorArgs<typeof todoMutators, 'addTodo'> = { id: 'a', text: 'A' };
// @ts-expect-error: the args type is the schema's input type
const badArgs: MutatorArgs<typeof todoMutators, 'addTodo'> = { id: 1, text: 'A' };

export { args, badArgs, state };
