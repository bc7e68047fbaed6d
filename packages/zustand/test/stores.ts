// Store definitions shared by the tests: the demo's board, with actions and a local-only `draft`.
import { create } from 'zustand';
import { createStore } from 'zustand/vanilla';

export interface Board {
  count: number;
  notes: string[];
}

export interface BoardState extends Board {
  draft: string;
  increment(): void;
  addNote(text: string): void;
}

const board = (set: (fn: (s: BoardState) => Partial<BoardState>) => void): BoardState => ({
  count: 0,
  notes: [],
  draft: '',
  increment: () => set((s) => ({ count: s.count + 1 })),
  addNote: (text) => set((s) => ({ notes: [...s.notes, text] })),
});

export const createVanillaBoard = () => createStore<BoardState>()((set) => board(set));
export const createHookBoard = () => create<BoardState>()((set) => board(set));

export const envelope = <T>(revision: string, data: T) => ({ revision, data });
