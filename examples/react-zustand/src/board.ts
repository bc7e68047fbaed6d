// The demo board: `count` and `notes` come from the server; `draft` is local UI state.
import { create } from 'zustand';

export interface Board {
  count: number;
  notes: string[];
}

interface BoardState extends Board {
  draft: string;
  setDraft(draft: string): void;
}

export const useBoard = create<BoardState>()((set) => ({
  count: 0,
  notes: [],
  draft: '',
  setDraft: (draft) => set({ draft }),
}));
