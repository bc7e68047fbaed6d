// Which connections watch which topic: one source listener per watched topic (not per socket),
// the invalidation serialised once and fanned out, and snapshot data serialised once per revision.

import type { SnapshotEnvelope } from '@state-sync/core';
import { resumeDelta } from '@state-sync/protocol';
import type { Connection } from './connection';
import { createFanOut } from './invalidation-fanout';
import type { ServerContext } from './server-context';

export interface TopicRegistry<P> {
  watch(topic: string, conn: Connection<P>): void;
  unwatch(topic: string, conn: Connection<P>): void;
  /**
   * The `snapshot` frame answering `get` `id` for `topic`, read with `read` when given (the write
   * path's read, which adds the asking client's `lastAppliedSeq`).
   */
  snapshotFrame(
    id: string,
    topic: string,
    read?: (topic: string) => Promise<Snapshot>,
  ): Promise<string>;
  /**
   * The `snapshot` frame answering a `get` with `since` by one combined delta from the source's
   * log; undefined when the log does not reach back (or the client is current): send a snapshot.
   */
  resumeFrame(
    id: string,
    topic: string,
    since: { epoch: string; revision: string },
  ): Promise<string | undefined>;
  /** Topics with a source listener attached right now. */
  topics(): string[];
  /** Releases every source listener. */
  close(): void;
}

/** What a snapshot frame is made of: the source's envelope, maybe with the client's last seq. */
export type Snapshot = SnapshotEnvelope<unknown> & { lastAppliedSeq?: number };

export function createTopicRegistry<P>(context: ServerContext<P>): TopicRegistry<P> {
  const { options, metrics } = context;
  const { source } = options;
  const watched = new Map<string, { conns: Set<Connection<P>>; off: () => void }>();
  const snapshotCache = new Map<
    string,
    { epoch: string | undefined; revision: string; json: string }
  >();

  return {
    unwatch(topic, conn) {
      const entry = watched.get(topic);
      if (!entry?.conns.delete(conn) || entry.conns.size > 0) return;
      entry.off();
      watched.delete(topic);
      snapshotCache.delete(topic);
    },

    watch(topic, conn) {
      let entry = watched.get(topic);
      if (!entry) {
        const conns = new Set<Connection<P>>();
        const fanOut = createFanOut(context, topic);
        const off = source.topic(topic).subscribe((event) => fanOut(event, conns));
        entry = { conns, off };
        watched.set(topic, entry);
      }
      entry.conns.add(conn);
    },

    async snapshotFrame(id, topic, read) {
      const envelope: Snapshot = read ? await read(topic) : await source.topic(topic).get();
      // Serialise the data once per revision while the topic is watched: N clients pulling the
      // same revision after an invalidation cost one JSON.stringify.
      let cached = snapshotCache.get(topic);
      if (!cached || cached.revision !== envelope.revision || cached.epoch !== envelope.epoch) {
        cached = {
          epoch: envelope.epoch,
          revision: envelope.revision,
          json: JSON.stringify(envelope.data ?? null),
        };
        if (watched.has(topic)) snapshotCache.set(topic, cached);
      }
      const head = JSON.stringify({
        type: 'snapshot',
        id,
        topic,
        revision: envelope.revision,
        epoch: envelope.epoch ?? '',
        lastAppliedSeq: envelope.lastAppliedSeq,
      });
      return `${head.slice(0, -1)},"data":${cached.json}}`;
    },

    async resumeFrame(id, topic, since) {
      const resumed = await resumeDelta(source, topic, since);
      if (!resumed) return undefined;
      metrics.resumedWithDelta++;
      const head = JSON.stringify({
        type: 'snapshot',
        id,
        topic,
        revision: resumed.revision,
        epoch: resumed.epoch,
      });
      return `${head.slice(0, -1)},"delta":${resumed.json}}`;
    },

    topics: () => [...watched.keys()],

    close() {
      for (const entry of watched.values()) entry.off();
      watched.clear();
      snapshotCache.clear();
    },
  };
}
