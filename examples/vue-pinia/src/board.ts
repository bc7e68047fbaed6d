// The demo board: `count` and `notes` come from the server; `draft` is local UI state.
import { defineStore } from 'pinia';

export interface Board {
  count: number;
  notes: string[];
}

export const useBoard = defineStore('board', {
  state: () => ({ count: 0, notes: [] as string[], draft: '' }),
});
