// The state every stack delivers: about 1 KB of JSON, like a small board or dashboard.
export interface BenchData {
  seq: number;
  count: number;
  notes: string[];
}

export function makeData(seq: number): BenchData {
  return {
    seq,
    count: seq * 3,
    notes: Array.from(
      { length: 12 },
      (_, i) => `note ${i} of round ${seq}: the quick brown fox jumps over`,
    ),
  };
}

/** The large state of `BENCH_STATE=big`: about 100 KB of JSON; a change touches one field. */
export interface BigData {
  seq: number;
  items: { id: number; title: string; done: boolean }[];
}

const bigItems = Array.from({ length: 1400 }, (_, id) => ({
  id,
  title: `card ${id}: the quick brown fox jumps over the lazy dog`,
  done: false,
}));

/** The same items array every time (an immutable update of one field): only `seq` changes. */
export function makeBigData(seq: number): BigData {
  return { seq, items: bigItems };
}

export const BIG = process.env.BENCH_STATE === 'big';
