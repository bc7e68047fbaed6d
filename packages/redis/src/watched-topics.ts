// The topics this node has read or written, with the newest revision it announced for each: what
// the anti-entropy pass re-reads after a pub/sub reconnect. Bounded: least recently used goes first.
import { compareRevisions, type Revision } from '@state-sync/core';

export interface WatchedTopics {
  /**
   * A read: starts watching `topic` at `revision`, but never advances a watched topic. A read that
   * races a lost pub/sub message must not hide it from the anti-entropy pass: the clients that
   * read earlier were never told about the newer revision.
   */
  seen(topic: string, revision: Revision): void;
  /** A revision announced to listeners (our write, pub/sub, anti-entropy): only moves forward. */
  announced(topic: string, revision: Revision): void;
  /** True if `revision` is newer than what was announced for `topic`. */
  isNews(topic: string, revision: Revision): boolean;
  get(topic: string): Revision | undefined;
  has(topic: string): boolean;
  topics(): string[];
  /** A new epoch: every topic starts again at revision 0. */
  reset(): void;
  readonly size: number;
  /** Topics forgotten because of the bound. */
  readonly evicted: number;
}

export function createWatchedTopics(max: number): WatchedTopics {
  // A Map iterates in insertion order: delete + set moves a topic to the young end.
  const revisions = new Map<string, Revision>();
  let evicted = 0;
  const set = (topic: string, revision: Revision) => {
    revisions.delete(topic);
    revisions.set(topic, revision);
    if (revisions.size <= max) return;
    revisions.delete(revisions.keys().next().value as string);
    evicted++;
  };
  const isNews = (topic: string, revision: Revision) => {
    const known = revisions.get(topic);
    return known === undefined || compareRevisions(revision, known) > 0;
  };
  return {
    seen(topic, revision) {
      if (!revisions.has(topic)) set(topic, revision);
    },
    announced(topic, revision) {
      if (isNews(topic, revision)) set(topic, revision);
    },
    isNews,
    get: (topic) => revisions.get(topic),
    has: (topic) => revisions.has(topic),
    topics: () => [...revisions.keys()],
    reset() {
      for (const topic of revisions.keys()) revisions.set(topic, '0');
    },
    get size() {
      return revisions.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
