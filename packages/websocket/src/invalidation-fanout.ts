// One change of a watched topic, out to every subscriber: each kind of frame is serialised once
// (the same bytes to every subscriber that gets it), never once per subscriber. Clients that
// announced push features get the change itself — its delta, or the whole state when small —
// while old clients get the plain invalidation and pull. A change made by a client's mutation
// carries its `mutation: { clientId, seq }` mark to that client's connection only: no connection
// learns another client's id.
import type { InvalidationEvent } from '@state-sync/core';
import { jsonLengthExceeds } from '@state-sync/protocol';
import type { Connection } from './connection';
import type { ProtocolFeature } from './protocol';
import type { ServerContext } from './server-context';

export type FanOut<P> = (event: InvalidationEvent, conns: ReadonlySet<Connection<P>>) => void;

/** Builds the fan-out of one topic; changes go out in the order the source emitted them. */
export function createFanOut<P>(context: ServerContext<P>, topic: string): FanOut<P> {
  const { options, metrics } = context;
  let queue: Promise<void> = Promise.resolve();

  function serialise(frame: Record<string, unknown>): string {
    metrics.invalidationFrames++;
    return JSON.stringify(frame);
  }

  function send(
    event: InvalidationEvent,
    conns: ReadonlySet<Connection<P>>,
    plain: () => string,
    rich:
      | { frame: string; feature: ProtocolFeature; counter: 'deltasPushed' | 'inlinePushed' }
      | undefined,
  ): void {
    let plainFrame: string | undefined;
    for (const conn of [...conns]) {
      const pushed = rich !== undefined && conn.features.includes(rich.feature);
      if (!pushed && plainFrame === undefined) plainFrame = plain();
      const frame = pushed ? rich.frame : (plainFrame as string);
      if (!conn.send(marked(event, conn, frame))) continue;
      metrics.invalidationsSent++;
      if (pushed) metrics[rich.counter]++;
    }
  }

  /** The frame with the mutation mark when `conn` carries the client that made the change. */
  function marked(event: InvalidationEvent, conn: Connection<P>, frame: string): string {
    const mark = event.mutation;
    if (mark === undefined || conn.clientId !== mark.clientId) return frame;
    const field = JSON.stringify({ clientId: mark.clientId, seq: mark.seq });
    return `${frame.slice(0, -1)},"mutation":${field}}`;
  }

  async function inlineFrame(
    event: InvalidationEvent,
    head: Record<string, unknown>,
  ): Promise<string | undefined> {
    const current = await options.source.topic(topic).get();
    // Only the state of exactly this revision may ride on its invalidation.
    if (current.revision !== event.revision || current.epoch !== event.epoch) return undefined;
    if (jsonLengthExceeds(current.data ?? null, options.inlineBytes)) return undefined;
    return serialise({ ...head, data: current.data ?? null });
  }

  return (event, conns) => {
    const head = {
      type: 'invalidate',
      topic,
      revision: event.revision,
      epoch: event.epoch,
      sourceId: event.sourceId,
    };
    const plain = () => serialise(head);
    if (!options.push) return send(event, conns, plain, undefined);
    queue = queue.then(async () => {
      if (event.delta) {
        const frame = serialise({ ...head, delta: event.delta });
        return send(event, conns, plain, { frame, feature: 'delta', counter: 'deltasPushed' });
      }
      let frame: string | undefined;
      if ([...conns].some((conn) => conn.features.includes('inline'))) {
        try {
          frame = await inlineFrame(event, head);
        } catch {
          frame = undefined; // the source failed to read: the plain invalidation makes them pull
        }
      }
      send(
        event,
        conns,
        plain,
        frame ? { frame, feature: 'inline', counter: 'inlinePushed' } : undefined,
      );
    });
  };
}
