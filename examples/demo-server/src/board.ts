// The demo's one topic: a shared counter and a list of notes, changed only through validated ops.
import * as z from 'zod';

export const BOARD_TOPIC = 'board';

export const boardSchema = z.object({
  count: z.number(),
  notes: z.array(z.string()),
});
export type Board = z.infer<typeof boardSchema>;

export const initialBoard: Board = { count: 0, notes: [] };

export const boardOpSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('increment'), by: z.number().int().min(-1000).max(1000).optional() }),
  z.object({ type: z.literal('addNote'), text: z.string().trim().min(1).max(200) }),
  z.object({ type: z.literal('reset') }),
]);
export type BoardOp = z.infer<typeof boardOpSchema>;

/** Keeps the newest notes only, so a long-running demo stays small. */
export const MAX_NOTES = 50;

export function applyBoardOp(board: Board, op: BoardOp): Board {
  switch (op.type) {
    case 'increment':
      return { ...board, count: board.count + (op.by ?? 1) };
    case 'addNote':
      return { ...board, notes: [...board.notes, op.text].slice(-MAX_NOTES) };
    case 'reset':
      return { ...initialBoard };
  }
}
