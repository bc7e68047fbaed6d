// The topics this node has read or written, with the last revision it saw of each: what the
// anti-entropy pass re-reads after a pub/sub reconnect. Bounded: least recently used goes first.

export interface WatchedTopics {
  /** Remembers `revision` for `topic` (most recent use). Returns true if another topic was evicted. */
  touch(topic: string, revision: string): boolean;
  get(topic: string): string | undefined;
  has(topic: string): boolean;
  topics(): string[];
  readonly size: number;
  clear(): void;
}

export function createWatchedTopics(max: number): WatchedTopics {
  // A Map iterates in insertion order: delete + set moves a topic to the young end.
  const revisions = new Map<string, string>();
  return {
    touch(topic, revision) {
      revisions.delete(topic);
      revisions.set(topic, revision);
      if (revisions.size <= max) return false;
      const oldest = revisions.keys().next().value as string;
      revisions.delete(oldest);
      return true;
    },
    get: (topic) => revisions.get(topic),
    has: (topic) => revisions.has(topic),
    topics: () => [...revisions.keys()],
    get size() {
      return revisions.size;
    },
    clear: () => revisions.clear(),
  };
}
