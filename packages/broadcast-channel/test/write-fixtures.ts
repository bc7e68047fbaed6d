// Mutators of the write-path tests: a todo list whose `rename` the host refuses for an unknown id.
import {
  createMemoryStore,
  defineMutators,
  MutationRejected,
  type SourceStore,
} from '@state-sync/core';
import { z } from 'zod';

export interface Todo {
  id: string;
  text: string;
}

export const todoMutators = defineMutators({
  addTodo: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply: (state: Todo[] | null, args) => [...(state ?? []), { id: args.id, text: args.text }],
  },
  rename: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply(state: Todo[] | null, args, ctx) {
      if (ctx.server && !state?.some((todo) => todo.id === args.id))
        throw new MutationRejected('not_found', `todo ${args.id} no longer exists`);
      return (state ?? []).map((todo) =>
        todo.id === args.id ? { ...todo, text: args.text } : todo,
      );
    },
  },
});

export const mutators = { todos: todoMutators };

/** A memory store whose writes of mutations wait until `release()`: a host mid-mutation. */
export function gatedStore(epoch = 'E') {
  const inner = createMemoryStore({ epoch });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let waiting = 0;
  const store: SourceStore = {
    ...inner,
    async write(topic, data, expected, meta) {
      if (meta?.mutation) {
        waiting++;
        await gate;
        waiting--;
      }
      return inner.write(topic, data, expected, meta);
    },
  };
  return { store, waiting: () => waiting, release: () => release() };
}

/**
 * A BroadcastChannel whose incoming messages of `type` wait until `release()`: a host that has
 * not read a request yet, or a client whose reply is still on its way.
 */
export function holdingChannel(type: string) {
  const held: Array<() => void> = [];
  let holding = true;
  class Holding extends BroadcastChannel {
    override addEventListener(kind: string, listener: unknown, options?: unknown): void {
      const deliver = listener as (event: MessageEvent) => void;
      super.addEventListener(
        kind as 'message',
        (event: MessageEvent) => {
          if (kind === 'message' && holding && event.data?.type === type)
            held.push(() => deliver(event));
          else deliver(event);
        },
        options as AddEventListenerOptions,
      );
    }
  }
  return {
    BroadcastChannel: Holding,
    held: () => held.length,
    release() {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}
