// The one periodic job: every beaconMs, each connection gets a `beacon` with the revisions of its
// topics (read once per watched topic, not once per client) and a heartbeat ping.
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

  async function readRevisions(): Promise<Map<string, string>> {
    const revisions = new Map<string, string>();
    await Promise.all(
      registry.topics().map(async (topic) => {
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
    return revisions;
  }

  return {
    async tick() {
      if (ticking) return;
      ticking = true;
      try {
        const epoch = await source.getEpoch();
        const revisions = await readRevisions();
        for (const conn of [...connections()]) {
          if (!conn.authed || conn.closed) continue;
          if (!conn.heartbeat()) continue;
          // Null prototype: every topic is an own key, whatever its name (defence in depth: the
          // protocol's topic rule already refuses `__proto__`).
          const mine: Record<string, string> = Object.create(null);
          for (const topic of conn.topics) {
            const revision = revisions.get(topic);
            if (revision !== undefined) mine[topic] = revision;
          }
          if (conn.send(JSON.stringify({ type: 'beacon', revisions: mine, epoch })))
            metrics.beaconsSent++;
        }
      } catch (cause) {
        context.report(new StateSyncWebSocketError('internal', 'beacon failed', { cause }));
      } finally {
        ticking = false;
      }
    },
  };
}
