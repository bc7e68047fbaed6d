// Seed 004's dashboard: widgets added from any device, through mutators shared by the server and
// the page (the page applies them optimistically; the server validates and applies them once).
import { defineMutators, MutationRejected } from '@state-sync/core';
import * as z from 'zod';

export const DASHBOARD_TOPIC = 'dashboard' as const;

export interface Widget {
  id: string;
  kind: 'chart' | 'table' | 'note';
  title: string;
}
export interface Dashboard {
  widgets: Widget[];
}

/** A dashboard holds at most this many widgets: the server refuses more (`too_many_widgets`). */
export const MAX_WIDGETS = 50;

export const dashboardMutators = defineMutators({
  addWidget: {
    args: z.object({
      id: z.string().min(1).max(64),
      kind: z.enum(['chart', 'table', 'note']),
      title: z.string().trim().min(1).max(100),
    }),
    apply(state: Dashboard | null, args, ctx): Dashboard {
      const widgets = state?.widgets ?? [];
      if (ctx.server && widgets.length >= MAX_WIDGETS)
        throw new MutationRejected('too_many_widgets', `a dashboard holds ${MAX_WIDGETS} widgets`);
      return { widgets: [...widgets.filter((w) => w.id !== args.id), args] };
    },
  },
  removeWidget: {
    args: z.object({ id: z.string().min(1).max(64) }),
    apply: (state: Dashboard | null, args): Dashboard => ({
      widgets: (state?.widgets ?? []).filter((widget) => widget.id !== args.id),
    }),
  },
});

/** Topic → mutators, imported by the server (`createSyncServer({ mutators })`) and the page. */
export const demoMutators = { dashboard: dashboardMutators };
