// Mutators of the write-path tests: a todo list whose `rename` the host refuses for an unknown id.
import { defineMutators, MutationRejected } from '@state-sync/core';
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
