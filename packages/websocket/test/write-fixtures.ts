// Mutators shared by the write-path tests: a todo list, and seed 000's alert settings (those in
// test-utils, as the core's tests use them too).
import { defineMutators, MutationRejected } from '@state-sync/core';
import { z } from 'zod';
import { alertMutators } from '../../../test-utils/alert-mutators.ts';

export interface Todo {
  id: string;
  text: string;
}

export const todoMutators = defineMutators({
  addTodo: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply: (state: Todo[] | null, args) => [...(state ?? []), { id: args.id, text: args.text }],
  },
  refuse: {
    args: z.object({ code: z.string(), message: z.string() }),
    apply(state: Todo[] | null, args, ctx) {
      if (ctx.server) throw new MutationRejected(args.code, args.message);
      return [...(state ?? []), { id: 'optimistic', text: args.code }];
    },
  },
});

export { type AlertSettings, alertMutators } from '../../../test-utils/alert-mutators.ts';

export const mutators = { todos: todoMutators, alerts: alertMutators };
