// Which engine handlers listen to which topic (one route per topic: client-routes.ts), and the
// `subscribe` / `unsubscribe` frames that keep the server's view of this connection's topics in step.
import type { InvalidationSubscriber, RefreshReason } from '@state-sync/core';
import type { PushedStates } from '@state-sync/protocol';
import type { Connection } from './client-connection';
import { handOut, RouteTable, setHandlers } from './client-routes';
import { StateSyncWebSocketError } from './errors';
import { topicNameProblem } from './protocol';

/** The server takes at most 1,000 topics per message. */
const TOPICS_PER_SUBSCRIBE = 500;

export interface TopicSubscriptions {
  subscriber(topic: string): InvalidationSubscriber;
  /** Hands `payload` to every handler of `topic`; a throwing handler is reported. */
  deliver(topic: string, payload: unknown): void;
  /** Each topic's route, read by the frame router (client-frames.ts) for every `invalidate`. */
  readonly routes: RouteTable;
  /** The topic's pushed state goes to the slot its providers read (call before making one). */
  readPushed(topic: string): void;
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
  pushed: Pick<PushedStates, 'slotOf' | 'forget'>,
): TopicSubscriptions {
  const routes = new RouteTable();

  /** The topics some engine listens to. */
  function subscribed(): string[] {
    return [...routes.all()].filter((route) => route.handlers.length > 0).map((r) => r.topic);
  }

  function deliver(topic: string, payload: unknown): void {
    const route = routes.find(topic);
    if (route) handOut(route, payload, report);
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
          const route = routes.open(topic);
          const current = route.handlers;
          setHandlers(route, [...current, handler]);
          if (current.length === 0) connection.send({ type: 'subscribe', topics: [topic] });
          connection.ensureConnected();
          let subscribed = true;
          return () => {
            if (!subscribed) return;
            subscribed = false;
            // Listed as often as it is subscribed: any one entry of it is this subscription's.
            const list = route.handlers;
            const at = list.indexOf(handler);
            setHandlers(
              route,
              list.filter((_, i) => i !== at),
            );
            if (route.handlers.length > 0) return;
            // Nobody listens: what was pushed is stale by the next subscribe, which pulls.
            if (route.slot) pushed.forget(topic);
            else routes.delete(route);
            connection.send({ type: 'unsubscribe', topics: [topic] });
          };
        },
      };
    },
    deliver,
    routes,
    readPushed(topic) {
      routes.open(topic).slot = pushed.slotOf(topic);
    },
    resyncAll(reason) {
      for (const topic of subscribed()) deliver(topic, { topic, resync: true, reason });
    },
    connectivity(connected) {
      for (const topic of subscribed()) deliver(topic, { topic, connected });
    },
    resubscribeAll() {
      const topics = subscribed();
      for (let i = 0; i < topics.length; i += TOPICS_PER_SUBSCRIBE)
        connection.send({ type: 'subscribe', topics: topics.slice(i, i + TOPICS_PER_SUBSCRIBE) });
    },
    has: (topic) => (routes.find(topic)?.handlers.length ?? 0) > 0,
    listenerCount: () => [...routes.all()].reduce((sum, r) => sum + r.handlers.length, 0),
  };
}
