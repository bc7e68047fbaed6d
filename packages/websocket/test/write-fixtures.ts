// Mutators shared by the write-path tests: a todo list, and seed 000's alert settings.
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
  refuse: {
    args: z.object({ code: z.string(), message: z.string() }),
    apply(state: Todo[] | null, args, ctx) {
      if (ctx.server) throw new MutationRejected(args.code, args.message);
      return [...(state ?? []), { id: 'optimistic', text: args.code }];
    },
  },
});

export interface AlertSettings {
  warningPercent: number;
}

/** Seed 000: the bridge owns the rules; the browser only knows the last confirmed value. */
export const alertMutators = defineMutators({
  configure: {
    args: z.object({ warningPercent: z.number().min(0).max(100) }),
    apply(state: AlertSettings | null, args, ctx) {
      if (ctx.server && args.warningPercent < 10) {
        throw new MutationRejected(
          'threshold_too_low',
          `a warning at ${args.warningPercent}% would fire on every request: use 10% or more`,
        );
      }
      return { ...state, warningPercent: args.warningPercent };
    },
  },
});

export const mutators = { todos: todoMutators, alerts: alertMutators };
