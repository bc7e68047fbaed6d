// Store definitions shared by the tests: the demo's board, as an option store and a setup store,
// each with a local-only `draft` (UI state that is never synced).
import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface Board {
  count: number;
  notes: string[];
}

export const useOptionBoard = defineStore('option-board', {
  state: () => ({ count: 0, notes: [] as string[], draft: '' }),
  actions: {
    increment() {
      this.count++;
    },
  },
});

export const useSetupBoard = defineStore('setup-board', () => {
  const count = ref(0);
  const notes = ref<string[]>([]);
  const draft = ref('');
  function increment() {
    count.value++;
  }
  return { count, notes, draft, increment };
});

export const envelope = <T>(revision: string, data: T) => ({ revision, data });
