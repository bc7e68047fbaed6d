// The server's event streams: one SSE response per client connection, one source listener per
// watched topic (not per stream), each change serialised once and the same bytes queued on every
// subscribed stream; comment heartbeats, beacons, and slow consumers dropped by their backlog.
import type { Source } from '@state-sync/core';
import { PROTOCOL_VERSION, type ProtocolFeature, resumeDelta } from '@state-sync/protocol';
import { StateSyncHttpError } from './errors';
import type { ResolvedLimits } from './options';
import { createFanOut, type PushKind, type PushSettings, sseEvent } from './push-fanout';
import type { ResumePosition } from './sse-resume';

export interface HubMetrics {
  connections: number;
  accepted: number;
  invalidationsSent: number;
  beaconsSent: number;
  heartbeatsSent: number;
  slowConsumersDropped: number;
  /** Invalidations that carried their delta / the whole state (push). */
  deltasPushed: number;
  inlinePushed: number;
  /** Topics of a resumed stream answered with one delta from the log instead of a pull. */
  resumedWithDelta: number;
}

export interface EventStreamInfo<P> {
  readonly principal: P | undefined;
  readonly topics: ReadonlySet<string>;
  /** Bytes queued on this stream that its reader has not taken yet. */
  backlog(): number;
  /** Queues `text` as is (a test hook: a frame the client must survive). */
  sendRaw(text: string): void;
  close(): void;
}

type Stream<P> = {
  principal: P | undefined;
  topics: Set<string>;
  /** What the client announced (`features=` on the request), pushed only when announced. */
  features: readonly ProtocolFeature[];
  controller: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
  overSince: number | undefined;
};

const encoder = new TextEncoder();
const HEARTBEAT = /* @__PURE__ */ encoder.encode(': heartbeat\n\n');

export function createEventHub<P>(
  source: Source,
  limits: ResolvedLimits,
  push: PushSettings,
  report: (error: StateSyncHttpError) => void,
) {
  const streams = new Set<Stream<P>>();
  const watched = new Map<string, { streams: Set<Stream<P>>; off: () => void }>();
  const metrics: HubMetrics = {
    connections: 0,
    accepted: 0,
    invalidationsSent: 0,
    beaconsSent: 0,
    heartbeatsSent: 0,
    slowConsumersDropped: 0,
    deltasPushed: 0,
    inlinePushed: 0,
    resumedWithDelta: 0,
  };
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let beaconTimer: ReturnType<typeof setInterval> | undefined;
  let ticking = false;
  let shutDown = false;

  function backlog(stream: Stream<P>): number {
    // highWaterMark 0 with a byte-length size: desiredSize is minus the bytes not yet read.
    return Math.max(0, -(stream.controller.desiredSize ?? 0));
  }

  function drop(stream: Stream<P>, why: string): void {
    metrics.slowConsumersDropped++;
    report(new StateSyncHttpError('slow_consumer', why));
    close(stream);
  }

  /** Is this stream a slow consumer? Judged by a backlog that stays high, not one large frame. */
  function judge(stream: Stream<P>, now: number): boolean {
    const queued = backlog(stream);
    if (queued > limits.hardMaxBufferedBytes) {
      drop(stream, `closed a stream with ${queued} bytes unread (4 × maxBufferedBytes)`);
      return false;
    }
    if (queued <= limits.maxBufferedBytes) {
      stream.overSince = undefined;
      return true;
    }
    stream.overSince ??= now;
    if (now - stream.overSince < limits.slowConsumerMs) return true;
    drop(
      stream,
      `closed a stream whose backlog stayed above maxBufferedBytes (${limits.maxBufferedBytes}) for ${limits.slowConsumerMs} ms`,
    );
    return false;
  }

  function send(stream: Stream<P>, bytes: Uint8Array): boolean {
    if (stream.closed) return false;
    try {
      stream.controller.enqueue(bytes);
    } catch {
      close(stream); // the reader is gone
      return false;
    }
    return judge(stream, Date.now());
  }

  function unwatch(topic: string, stream: Stream<P>): void {
    const entry = watched.get(topic);
    if (!entry?.streams.delete(stream) || entry.streams.size > 0) return;
    entry.off();
    watched.delete(topic);
  }

  function sent(stream: Stream<P>, bytes: Uint8Array, kind: PushKind): boolean {
    if (!send(stream, bytes)) return false;
    metrics.invalidationsSent++;
    if (kind === 'delta') metrics.deltasPushed++;
    else if (kind === 'inline') metrics.inlinePushed++;
    return true;
  }

  function watch(topic: string, stream: Stream<P>): void {
    let entry = watched.get(topic);
    if (!entry) {
      const subscribers = new Set<Stream<P>>();
      const fanOut = createFanOut<Stream<P>>(source, topic, push, sent, (cause) =>
        report(
          new StateSyncHttpError('internal', `reading "${topic}" to inline it failed`, {
            cause,
            topic,
          }),
        ),
      );
      const off = source.topic(topic).subscribe((event) => fanOut(event, subscribers));
      entry = { streams: subscribers, off };
      watched.set(topic, entry);
    }
    entry.streams.add(stream);
  }

  /**
   * A resumed stream: each topic whose log reaches back to the client's position gets one
   * `invalidate` with the combined delta; the others are behind in the beacon that follows, and
   * their client pulls.
   */
  async function resume(stream: Stream<P>, position: ResumePosition): Promise<void> {
    if (!push.push || !stream.features.includes('delta')) return;
    const frames = await Promise.all(
      [...position.revisions].map(async ([topic, revision]) => {
        try {
          const delta = await resumeDelta(source, topic, { epoch: position.epoch, revision });
          if (!delta) return undefined;
          const head = JSON.stringify({
            type: 'invalidate',
            topic,
            revision: delta.revision,
            epoch: delta.epoch,
          });
          const id = `${delta.epoch}:${delta.revision}`;
          return encoder.encode(`id: ${id}\ndata: ${head.slice(0, -1)},"delta":${delta.json}}\n\n`);
        } catch (cause) {
          report(
            new StateSyncHttpError('internal', `reading the delta log of "${topic}" failed`, {
              cause,
              topic,
            }),
          );
          return undefined;
        }
      }),
    );
    for (const frame of frames) {
      if (frame && send(stream, frame)) {
        metrics.resumedWithDelta++;
        metrics.invalidationsSent++;
      }
    }
  }

  function close(stream: Stream<P>): void {
    if (stream.closed) return;
    stream.closed = true;
    streams.delete(stream);
    metrics.connections = streams.size;
    for (const topic of stream.topics) unwatch(topic, stream);
    try {
      stream.controller.close();
    } catch {
      // already closed or errored by a cancel
    }
    if (streams.size === 0) stopTimers();
  }

  async function positions(topics: Iterable<string>): Promise<Record<string, string>> {
    // A null-prototype object: topic names are validated, but never trust a plain object's keys.
    const revisions: Record<string, string> = Object.create(null);
    await Promise.all(
      [...topics].map(async (topic) => {
        try {
          revisions[topic] = (await source.topic(topic).get()).revision;
        } catch (cause) {
          report(
            new StateSyncHttpError('internal', `reading "${topic}" for a beacon failed`, {
              cause,
              topic,
            }),
          );
        }
      }),
    );
    return revisions;
  }

  function heartbeat(): void {
    const now = Date.now();
    for (const stream of [...streams]) {
      // A stream that stopped reading is judged here too: no new frame may come to judge it.
      if (judge(stream, now) && send(stream, HEARTBEAT)) metrics.heartbeatsSent++;
    }
  }

  async function beacon(): Promise<void> {
    if (ticking) return;
    ticking = true;
    try {
      const epoch = await source.getEpoch();
      const revisions = await positions(watched.keys());
      for (const stream of [...streams]) {
        const mine: Record<string, string> = {};
        for (const topic of stream.topics) {
          if (Object.hasOwn(revisions, topic)) mine[topic] = revisions[topic]!;
        }
        if (send(stream, sseEvent({ type: 'beacon', revisions: mine, epoch })))
          metrics.beaconsSent++;
      }
    } catch (cause) {
      report(new StateSyncHttpError('internal', 'beacon failed', { cause }));
    } finally {
      ticking = false;
    }
  }

  function startTimers(): void {
    if (heartbeatTimer !== undefined) return;
    heartbeatTimer = globalThis.setInterval(heartbeat, limits.heartbeatMs);
    beaconTimer = globalThis.setInterval(() => void beacon(), limits.beaconMs);
    (heartbeatTimer as { unref?: () => void }).unref?.();
    (beaconTimer as { unref?: () => void }).unref?.();
  }

  function stopTimers(): void {
    globalThis.clearInterval(heartbeatTimer);
    globalThis.clearInterval(beaconTimer);
    heartbeatTimer = beaconTimer = undefined;
  }

  /**
   * Opens a stream on `topics` (already validated and authorised). The stream starts with
   * `hello`, then `error` frames for `refused` topics, then a `beacon` with every topic's current
   * revision read after the topics were watched, so a client that resumes (or subscribes late)
   * learns what it missed and no change can fall between the two.
   */
  async function open(
    principal: P | undefined,
    topics: readonly string[],
    refused: readonly { topic: string; code: string; message: string }[],
    signal: AbortSignal | undefined,
    features: readonly ProtocolFeature[] = [],
    position?: ResumePosition,
  ): Promise<ReadableStream<Uint8Array>> {
    const epoch = await source.getEpoch();
    if (shutDown)
      throw new StateSyncHttpError('too_many_connections', 'the server is shutting down');
    let stream!: Stream<P>;
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          stream = {
            principal,
            topics: new Set(topics),
            features,
            controller,
            closed: false,
            overSince: undefined,
          };
        },
        cancel() {
          close(stream);
        },
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    streams.add(stream);
    metrics.accepted++;
    metrics.connections = streams.size;
    startTimers();
    for (const topic of stream.topics) watch(topic, stream);
    signal?.addEventListener('abort', () => close(stream), { once: true });
    send(
      stream,
      sseEvent({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        epoch,
        heartbeatMs: limits.heartbeatMs,
        ...(features.length > 0 ? { features } : {}),
      }),
    );
    for (const { topic, code, message } of refused)
      send(stream, sseEvent({ type: 'error', topic, code, message }));
    // The resume deltas first, then the beacon: a topic the resume answered is current by then.
    void (position ? resume(stream, position) : Promise.resolve())
      .then(() => positions(stream.topics))
      .then((revisions) => {
        if (send(stream, sseEvent({ type: 'beacon', revisions: { ...revisions }, epoch })))
          metrics.beaconsSent++;
      });
    return body;
  }

  return {
    open,
    metrics: (): HubMetrics => ({ ...metrics, connections: streams.size }),
    count: () => streams.size,
    watchedTopics: () => [...watched.keys()],
    streams: (): EventStreamInfo<P>[] =>
      [...streams].map((stream) => ({
        principal: stream.principal,
        topics: stream.topics,
        backlog: () => backlog(stream),
        sendRaw: (text: string) => {
          send(stream, encoder.encode(text));
        },
        close: () => close(stream),
      })),
    closeAll(): void {
      shutDown = true;
      for (const stream of [...streams]) close(stream);
      stopTimers();
    },
  };
}

export type EventHub<P> = ReturnType<typeof createEventHub<P>>;
