// The one periodic job: every beaconMs, each connection gets a `beacon` with the revisions of its
// topics (read once per watched topic, not once per client) and a heartbeat ping. The round is
// spread over event-loop turns in slices of beaconSliceSize topics (see below).
import type { Connection } from './connection';
import { StateSyncWebSocketError } from './errors';
import type { ServerContext } from './server-context';
import type { TopicRegistry } from './topic-registry';

export interface Beacon {
  /** One beacon round; a round still running makes the next call a no-op. */
  tick(): Promise<void>;
}

export function createBeacon<P>(
  context: ServerContext<P>,
  registry: TopicRegistry<P>,
  connections: () => Iterable<Connection<P>>,
): Beacon {
  const { options, metrics } = context;
  const { source } = options;
  let ticking = false;

  // Work is done in slices of beaconSliceSize topics with a turn of the event loop between them,
  // so a round over 100,000 topics never stalls sockets for a connection-independent second.
  const slice = options.beaconSliceSize;
  const nextTurn = () => new Promise<void>((resolve) => globalThis.setImmediate(resolve));

  async function readRevisions(): Promise<Map<string, string>> {
    const revisions = new Map<string, string>();
    const topics = registry.topics();
    for (let start = 0; start < topics.length; start += slice) {
      if (start > 0) await nextTurn();
      await Promise.all(
        topics.slice(start, start + slice).map(async (topic) => {
          try {
            revisions.set(topic, (await source.topic(topic).get()).revision);
          } catch (cause) {
            context.report(
              new StateSyncWebSocketError('internal', `reading "${topic}" for the beacon failed`, {
                cause,
                topic,
              }),
            );
          }
        }),
      );
    }
    return revisions;
  }

  /** The connection's beacon, split in frames of at most `slice` topics (at least one frame). */
  function beaconFrames(conn: Connection<P>, revisions: Map<string, string>, epoch: string) {
    const frames: string[] = [];
    // Null prototype: every topic is an own key, whatever its name (defence in depth: the
    // protocol's topic rule already refuses `__proto__`).
    let mine: Record<string, string> = Object.create(null);
    let count = 0;
    for (const topic of conn.topics) {
      const revision = revisions.get(topic);
      if (revision === undefined) continue;
      mine[topic] = revision;
      if (++count === slice) {
        frames.push(JSON.stringify({ type: 'beacon', revisions: mine, epoch }));
        mine = Object.create(null);
        count = 0;
      }
    }
    if (count > 0 || frames.length === 0)
      frames.push(JSON.stringify({ type: 'beacon', revisions: mine, epoch }));
    return frames;
  }

  return {
    async tick() {
      if (ticking) return;
      ticking = true;
      try {
        const epoch = await source.getEpoch();
        const revisions = await readRevisions();
        let work = 0;
        for (const conn of [...connections()]) {
          if (!conn.authed || conn.closed) continue;
          if (!conn.heartbeat()) continue;
          for (const frame of beaconFrames(conn, revisions, epoch))
            if (conn.send(frame)) metrics.beaconsSent++;
          work += conn.topics.size + 1;
          if (work >= slice) {
            work = 0;
            await nextTurn();
          }
        }
      } catch (cause) {
        context.report(new StateSyncWebSocketError('internal', 'beacon failed', { cause }));
      } finally {
        ticking = false;
      }
    },
  };
}
