// Which connections watch which topic: one source listener per watched topic (not per socket),
// the invalidation serialised once and fanned out, and snapshot data serialised once per revision.
import type { Connection } from './connection';
import type { ServerContext } from './server-context';

export interface TopicRegistry<P> {
  watch(topic: string, conn: Connection<P>): void;
  unwatch(topic: string, conn: Connection<P>): void;
  /** The `snapshot` frame answering `get` `id` for `topic`. */
  snapshotFrame(id: string, topic: string): Promise<string>;
  /** Topics with a source listener attached right now. */
  topics(): string[];
  /** Releases every source listener. */
  close(): void;
}

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
        const off = source.topic(topic).subscribe((event) => {
          // Serialised once for every subscriber of the topic.
          const frame = JSON.stringify({
            type: 'invalidate',
            topic,
            revision: event.revision,
            epoch: event.epoch,
            sourceId: event.sourceId,
          });
          for (const subscriber of [...conns])
            if (subscriber.send(frame)) metrics.invalidationsSent++;
        });
        entry = { conns, off };
        watched.set(topic, entry);
      }
      entry.conns.add(conn);
    },

    async snapshotFrame(id, topic) {
      const envelope = await source.topic(topic).get();
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
      });
      return `${head.slice(0, -1)},"data":${cached.json}}`;
    },

    topics: () => [...watched.keys()],

    close() {
      for (const entry of watched.values()) entry.off();
      watched.clear();
      snapshotCache.clear();
    },
  };
}
