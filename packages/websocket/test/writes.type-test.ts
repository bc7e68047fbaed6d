// Compile-time contract of the WebSocket client's typed writes, checked by `pnpm typecheck` (tsc
// over packages/*/test): every `@ts-expect-error` below must be an error, or the build fails.
import type { MutationAck } from '@state-sync/core';
import { createSyncClient, type WritesSyncClient } from '../src/writes';
import { mutators } from './write-fixtures';

export function typedClient(client: WritesSyncClient<typeof mutators>): void {
  const ack: Promise<MutationAck> = client.mutate('todos', 'addTodo', { id: 'a', text: 'A' });
  void ack;
  void client.mutate('alerts', 'configure', { warningPercent: 20 });

  // @ts-expect-error: no mutator of that name on this topic
  void client.mutate('todos', 'addTodoo', { id: 'a', text: 'A' });
  // @ts-expect-error: configure belongs to alerts, not todos
  void client.mutate('todos', 'configure', { warningPercent: 20 });
  // @ts-expect-error: unknown topic
  void client.mutate('todo', 'addTodo', { id: 'a', text: 'A' });
  // @ts-expect-error: text must be a string
  void client.mutate('todos', 'addTodo', { id: 'a', text: 1 });
  // @ts-expect-error: text is required
  void client.mutate('todos', 'addTodo', { id: 'a' });
  // @ts-expect-error: warningPercent is a number
  void client.mutate('alerts', 'configure', { warningPercent: '20' });

  // The untyped escape hatch stays, untyped.
  void client.mutateOp('todos', { anything: true });
  // The queue is core's, typed by the same mutators.
  // @ts-expect-error: no mutator of that name
  void client.optimistic.mutate('alerts', 'reset', {});
}

export function inferredFromOptions(): void {
  const client = createSyncClient({ url: 'ws://localhost:1', mutators });
  void client.mutate('todos', 'refuse', { code: 'x', message: 'y' });
  // @ts-expect-error: inferred from `mutators`: refuse needs a message
  void client.mutate('todos', 'refuse', { code: 'x' });
}
