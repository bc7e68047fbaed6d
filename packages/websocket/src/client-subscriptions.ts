// Which engine handlers listen to which topic, and the `subscribe` / `unsubscribe` frames that
// keep the server's view of this connection's topics in step. A topic's handlers and its slot of
// pushed state (@state-sync/protocol's pushed-states) share one route: an `invalidate` frame costs
// one Map lookup, not one per part (with 1,000 clients in a process each lookup is a cache miss).
import type { InvalidationSubscriber, RefreshReason } from '@state-sync/core';
import type { PushedSlot, PushedStates } from '@state-sync/protocol';
import type { Connection } from './client-connection';
import { StateSyncWebSocketError } from './errors';
import { type InvalidateMessage, topicNameProblem } from './protocol';

type Handler = (event: unknown) => void;

/**
 * A topic's engine handlers (copy on write: subscribing or leaving replaces the array, so
 * delivering walks the current one without copying it, and a handler added meanwhile waits for
 * the next event), and the slot its providers read, once one does. A route with a slot outlives
 * its last handler: the providers hold the slot.
 */
type Route = { handlers: readonly Handler[]; slot: PushedSlot | undefined };

/** The server takes at most 1,000 topics per message. */
const TOPICS_PER_SUBSCRIBE = 500;

export interface TopicSubscriptions {
  subscriber(topic: string): InvalidationSubscriber;
  /** Hands `payload` to every handler of `topic`; a throwing handler is reported. */
  deliver(topic: string, payload: unknown): void;
  /** Keeps what a valid `invalidate` carries for the topic's providers, then hands it to its handlers. */
  invalidate(message: InvalidateMessage): void;
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
  pushed: Pick<PushedStates, 'slotOf' | 'keep' | 'forget'>,
): TopicSubscriptions {
  const routes = new Map<string, Route>();

  function routeOf(topic: string): Route {
    let route = routes.get(topic);
    if (!route) {
      route = { handlers: [], slot: undefined };
      routes.set(topic, route);
    }
    return route;
  }

  /** The topics some engine listens to. */
  function subscribed(): string[] {
    return [...routes].filter(([, route]) => route.handlers.length > 0).map(([topic]) => topic);
  }

  function deliver(topic: string, payload: unknown): void {
    const route = routes.get(topic);
    if (route) handOut(route.handlers, topic, payload);
  }

  function handOut(handlers: readonly Handler[], topic: string, payload: unknown): void {
    for (const handler of handlers) {
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
          const route = routeOf(topic);
          const current = route.handlers;
          route.handlers = [...current, handler];
          if (current.length === 0) connection.send({ type: 'subscribe', topics: [topic] });
          connection.ensureConnected();
          let subscribed = true;
          return () => {
            if (!subscribed) return;
            subscribed = false;
            // Listed as often as it is subscribed: any one entry of it is this subscription's.
            const list = route.handlers;
            const at = list.indexOf(handler);
            route.handlers = list.filter((_, i) => i !== at);
            if (route.handlers.length > 0) return;
            // Nobody listens: what was pushed is stale by the next subscribe, which pulls.
            if (route.slot) pushed.forget(topic);
            else routes.delete(topic);
            connection.send({ type: 'unsubscribe', topics: [topic] });
          };
        },
      };
    },
    deliver,
    invalidate(message) {
      const route = routes.get(message.topic);
      if (!route) return;
      if (route.slot) pushed.keep(route.slot, message);
      // The frame itself is the event (an InvalidationEvent and more): no copy per frame.
      handOut(route.handlers, message.topic, message);
    },
    readPushed(topic) {
      routeOf(topic).slot = pushed.slotOf(topic);
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
    has: (topic) => (routes.get(topic)?.handlers.length ?? 0) > 0,
    listenerCount: () => [...routes.values()].reduce((sum, r) => sum + r.handlers.length, 0),
  };
}
