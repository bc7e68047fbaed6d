// Where an `invalidate` frame goes: one route per topic, holding the topic's engine handlers and
// the slot of pushed state its providers read (@state-sync/protocol's pushed-states). Every frame
// reads its route, so the route table remembers the route it found last, and a route remembers
// its handler when it has only one: a client of one topic (the usual case) then reads neither the
// Map nor an array per frame — with 1,000 clients in a process each of those is a cache miss
// (bench/results/websocket-2026-12-03i.md).
import type { PushedSlot } from '@state-sync/protocol';
import { StateSyncWebSocketError } from './errors';

export type Handler = (event: unknown) => void;

/**
 * A topic's engine handlers (copy on write: subscribing or leaving replaces the array, so
 * delivering walks the current one without copying it, and a handler added meanwhile waits for
 * the next event), and the slot its providers read, once one does. A route with a slot outlives
 * its last handler: the providers hold the slot.
 */
export type Route = {
  readonly topic: string;
  readonly handlers: readonly Handler[];
  /** `handlers[0]` when it is the only one, else undefined. */
  readonly one: Handler | undefined;
  slot: PushedSlot | undefined;
};

type Writable = { -readonly [K in keyof Route]: Route[K] };

/** Replaces the route's handlers (never changes the list in place: see `Route`). */
export function setHandlers(route: Route, handlers: readonly Handler[]): void {
  (route as Writable).handlers = handlers;
  (route as Writable).one = handlers.length === 1 ? handlers[0] : undefined;
}

export class RouteTable {
  readonly #routes = new Map<string, Route>();
  #last: Route | undefined = undefined;

  /** The topic's route, if it has one. */
  find(topic: string): Route | undefined {
    const last = this.#last;
    if (last !== undefined && last.topic === topic) return last;
    const route = this.#routes.get(topic);
    if (route !== undefined) this.#last = route;
    return route;
  }

  /** The topic's route, made now if it has none. */
  open(topic: string): Route {
    let route = this.find(topic);
    if (!route) {
      route = { topic, handlers: [], one: undefined, slot: undefined };
      this.#routes.set(topic, route);
    }
    return route;
  }

  /** Forgets the route: a later `open` of its topic makes a new one. */
  delete(route: Route): void {
    if (this.#routes.get(route.topic) === route) this.#routes.delete(route.topic);
    if (this.#last === route) this.#last = undefined;
  }

  /** Every route, in the order their topics were first opened. */
  all(): IterableIterator<Route> {
    return this.#routes.values();
  }
}

/** Hands `payload` to each handler of the route; one that throws is reported, the others run. */
export function handOut(
  route: Route,
  payload: unknown,
  report: (error: StateSyncWebSocketError) => void,
): void {
  const one = route.one;
  if (one) call(one, route.topic, payload, report);
  else for (const handler of route.handlers) call(handler, route.topic, payload, report);
}

function call(
  handler: Handler,
  topic: string,
  payload: unknown,
  report: (error: StateSyncWebSocketError) => void,
): void {
  try {
    handler(payload);
  } catch (cause) {
    report(
      new StateSyncWebSocketError('internal', `a handler for "${topic}" threw`, { cause, topic }),
    );
  }
}
