// Seed 000's alert settings, the write path the core and the WebSocket transport both test: the
// server refuses a warning threshold under 10%, which the browser cannot know on its own.
import { defineMutators, MutationRejected } from '@state-sync/core';
import { z } from 'zod';

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
