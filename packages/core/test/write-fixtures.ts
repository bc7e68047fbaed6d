// Mutators shared by the write-path tests: a todo list, and seed 000's alert settings (those in
// test-utils, as the WebSocket transport's tests use them too).
import { z } from 'zod';
import { defineMutators, MutationRejected } from '../src/index';

export interface Todo {
  id: string;
  text: string;
}

export const todoMutators = defineMutators({
  addTodo: {
    args: z.object({ id: z.string(), text: z.string().min(1) }),
    apply: (state: Todo[] | null, args) => [...(state ?? []), { id: args.id, text: args.text }],
  },
  removeTodo: {
    args: z.object({ id: z.string() }),
    apply: (state: Todo[] | null, args) => (state ?? []).filter((todo) => todo.id !== args.id),
  },
  failOnServer: {
    args: z.object({ code: z.string() }),
    apply(state: Todo[] | null, args, ctx) {
      if (ctx.server) throw new MutationRejected(args.code, `refused: ${args.code}`);
      return [...(state ?? []), { id: 'optimistic', text: args.code }];
    },
  },
});

export { type AlertSettings, alertMutators } from '../../../test-utils/alert-mutators.ts';
