// Which engine handlers listen to which topic, and the `subscribe` / `unsubscribe` frames that
// keep the server's view of this connection's topics in step.
import type { InvalidationSubscriber, RefreshReason } from '@state-sync/core';
import type { Connection } from './client-connection';
import { StateSyncWebSocketError } from './errors';
import { topicNameProblem } from './protocol';

type Handler = (event: unknown) => void;

/** The server takes at most 1,000 topics per message. */
const TOPICS_PER_SUBSCRIBE = 500;

export interface TopicSubscriptions {
  subscriber(topic: string): InvalidationSubscriber;
  /** Hands `payload` to every handler of `topic`; a throwing handler is reported. */
  deliver(topic: string, payload: unknown): void;
  /** Tells every handler to pull. */
  resyncAll(reason: RefreshReason): void;
  /** Sends `subscribe` for every topic (after a new socket's `hello`). */
  resubscribeAll(): void;
  /** Tells every engine the link is down (status `offline`) or back (pull, stale until applied). */
  connectivity(connected: boolean): void;
  has(topic: string): boolean;
  listenerCount(): number;
}

/** The topic rule of protocol.ts, the server's own: a name it would refuse is refused here. */
export function assertTopic(topic: unknown): asserts topic is string {
  const problem = topicNameProblem(topic);
  if (problem) throw new StateSyncWebSocketError('invalid_topic', problem);
}

export function createTopicSubscriptions(
  connection: Connection,
  report: (error: StateSyncWebSocketError) => void,
): TopicSubscriptions {
  // Copy on write: subscribing or leaving replaces a topic's array, so delivering (every frame)
  // walks the current one without copying it, and a handler added meanwhile waits for the next.
  const handlers = new Map<string, Handler[]>();

  function deliver(topic: string, payload: unknown): void {
    for (const handler of handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch (cause) {
        report(
          new StateSyncWebSocketError('internal', `a handler for "${topic}" threw`, {
            cause,
            topic,
          }),
        );
      }
    }
  }

  return {
    subscriber(topic) {
      assertTopic(topic);
      return {
        async subscribe(handler) {
          if (connection.isClosed())
            throw new StateSyncWebSocketError('closed', 'the client is closed', { topic });
          // The handler itself, not a wrapper: a frame then touches one function less per
          // client (cold memory, with 1,000 clients in a process). The same handler subscribed
          // twice is listed twice, and each unsubscribe removes one entry, once.
          const current = handlers.get(topic);
          handlers.set(topic, current ? [...current, handler] : [handler]);
          if (!current) connection.send({ type: 'subscribe', topics: [topic] });
          connection.ensureConnected();
          let subscribed = true;
          return () => {
            const list = handlers.get(topic);
            if (!subscribed || !list) return;
            subscribed = false;
            // Listed as often as it is subscribed: any one entry of it is this subscription's.
            const at = list.indexOf(handler);
            if (list.length > 1)
              return void handlers.set(
                topic,
                list.filter((_, i) => i !== at),
              );
            handlers.delete(topic);
            connection.send({ type: 'unsubscribe', topics: [topic] });
          };
        },
      };
    },
    deliver,
    resyncAll(reason) {
      for (const topic of [...handlers.keys()]) deliver(topic, { topic, resync: true, reason });
    },
    connectivity(connected) {
      for (const topic of [...handlers.keys()]) deliver(topic, { topic, connected });
    },
    resubscribeAll() {
      const topics = [...handlers.keys()];
      for (let i = 0; i < topics.length; i += TOPICS_PER_SUBSCRIBE)
        connection.send({ type: 'subscribe', topics: topics.slice(i, i + TOPICS_PER_SUBSCRIBE) });
    },
    has: (topic) => handlers.has(topic),
    listenerCount: () => [...handlers.values()].reduce((sum, list) => sum + list.length, 0),
  };
}
