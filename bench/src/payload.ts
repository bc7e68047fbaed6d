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
