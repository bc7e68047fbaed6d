// Every frame from the server: validated against the wire schemas, then routed to the part that
// owns it. A bad frame never reaches an engine: it is reported as `invalid_message` and counted.
// The hottest frame, a plain or pushing `invalidate`, is checked by hand first (serverFrameChecks:
// the same rules, several times faster than the schema); anything unusual takes the schema.
import { keepPushed, serverFrameChecks } from '@state-sync/protocol';
import { forwardBeacon } from './client-beacon';
import type { Connection, FrameIntake } from './client-connection';
import type { ClientMetrics } from './client-options';
import type { Requests } from './client-requests';
import { handOut, type RouteTable } from './client-routes';
import type { TopicSubscriptions } from './client-subscriptions';
import { StateSyncWebSocketError } from './errors';
import { type InvalidateMessage, parseFrame, serverMessageSchemas } from './protocol';

/**
 * A frame's text: browsers (and undici) give a string; Node's `ws` gives a Buffer and
 * `isBinary: false` for text; a binary frame (an ArrayBuffer or a view) is decoded as UTF-8.
 * Anything else has no text (undefined), which the parser refuses.
 */
function frameText(data: unknown, isBinary?: boolean): string | undefined {
  if (typeof data === 'string') return data;
  // `toString()`, not `String(data)`: the same text, without String()'s generic conversion
  // (a Symbol.toPrimitive lookup through Buffer's prototypes) on every frame.
  if (isBinary === false) return (data as { toString(): string }).toString();
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    return new TextDecoder().decode(data as ArrayBuffer);
}

/**
 * One object per client, its methods on the prototype: a frame reads this object, its topic's
 * route and the engine's handler, where closures over closures (socket listener, frame handler,
 * topic lookup, pushed-state store) made it read a function and a scope at each hop. With 1,000
 * clients in a process each of those is a cache miss per frame (bench/results/websocket-2026-12-03i.md).
 */
export class FrameRouter implements FrameIntake {
  // Fields in the order a frame reads them (an object's fields lie in declaration order): the
  // first ones share the object's first cache line.
  readonly clock = Date.now();
  lastFrameAt = 0;
  readonly #routes: RouteTable;
  readonly #metrics: ClientMetrics;
  /** Sees every valid `invalidate` first (the `/writes` entry's hook). */
  readonly #observe: ((message: InvalidateMessage) => void) | undefined;
  readonly #report: (error: StateSyncWebSocketError) => void;
  /** Every frame's data (Node's `ws` hands `isBinary` too): bound once, one function per client. */
  readonly onData: (data: unknown, isBinary?: boolean) => void;
  readonly #connection: Connection;
  readonly #subscriptions: TopicSubscriptions;
  readonly #requests: Requests;

  constructor(
    connection: Connection,
    subscriptions: TopicSubscriptions,
    requests: Requests,
    metrics: ClientMetrics,
    report: (error: StateSyncWebSocketError) => void,
    observe: ((message: InvalidateMessage) => void) | undefined,
  ) {
    this.#connection = connection;
    this.#subscriptions = subscriptions;
    this.#routes = subscriptions.routes;
    this.#requests = requests;
    this.#metrics = metrics;
    this.#report = report;
    this.#observe = observe;
    this.onData = this.#receive.bind(this);
  }

  #receive(data: unknown, isBinary?: boolean) {
    this.lastFrameAt = Date.now() - this.clock; // proof of life: the dead timer reads it
    this.#metrics.framesReceived++;
    const parsed = parseFrame(serverMessageSchemas, frameText(data, isBinary), serverFrameChecks);
    if (!parsed.ok) {
      this.#metrics.invalidFrames++;
      this.#report(new StateSyncWebSocketError('invalid_message', parsed.problem));
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        return this.#connection.hello(message);
      case 'invalidate':
        this.#observe?.(message);
        return this.#invalidate(message);
      case 'beacon':
        return forwardBeacon(message, this.#subscriptions);
      case 'snapshot':
      case 'ack':
        return this.#requests.settle(message);
      case 'error':
        return this.#requests.fail(message);
    }
  }

  /** Keeps what the frame carries for the topic's providers, then hands it to its handlers. */
  #invalidate(message: InvalidateMessage): void {
    const route = this.#routes.find(message.topic);
    if (!route) return;
    if (route.slot) keepPushed(route.slot, message);
    // The frame itself is the event (an InvalidationEvent and more): no copy per frame.
    handOut(route, message, this.#report);
  }
}
