// One change of a watched topic, out to every subscriber: each kind of frame is serialised once
// (the same bytes to every subscriber that gets it), never once per subscriber. Clients that
// announced push features get the change itself — its delta, or the whole state when small —
// while old clients get the plain invalidation and pull. A change made by a client's mutation
// carries its `mutation: { clientId, seq }` mark to that client's connection only: no connection
// learns another client's id.
import { type InvalidationEvent, unscopedClientId } from '@state-sync/core';
import { jsonLengthExceeds } from '@state-sync/protocol';
import type { Connection } from './connection';
import { PreparedFrame } from './prepared-frame';
import type { ProtocolFeature } from './protocol';
import type { ServerContext } from './server-context';

export type FanOut<P> = (event: InvalidationEvent, conns: ReadonlySet<Connection<P>>) => void;

/** Builds the fan-out of one topic; changes go out in the order the source emitted them. */
export function createFanOut<P>(context: ServerContext<P>, topic: string): FanOut<P> {
  const { options, metrics } = context;
  let queue: Promise<void> = Promise.resolve();

  /** One frame for every connection that gets it: its JSON (to mark) and, framed once, its bytes. */
  type Frame = { json: string; prepared: PreparedFrame };

  function serialise(frame: Record<string, unknown>): Frame {
    metrics.invalidationFrames++;
    const json = JSON.stringify(frame);
    return { json, prepared: new PreparedFrame(json) };
  }

  function send(
    event: InvalidationEvent,
    conns: ReadonlySet<Connection<P>>,
    plain: () => Frame,
    rich:
      | { frame: Frame; feature: ProtocolFeature; counter: 'deltasPushed' | 'inlinePushed' }
      | undefined,
  ): void {
    let plainFrame: Frame | undefined;
    const mark = event.mutation;
    // Not copied: a connection that closes meanwhile leaves the set, which iteration tolerates.
    for (const conn of conns) {
      const pushed = rich !== undefined && conn.features.includes(rich.feature);
      if (!pushed && plainFrame === undefined) plainFrame = plain();
      const frame = pushed ? rich.frame : (plainFrame as Frame);
      const sent =
        mark !== undefined && conn.clientId === mark.clientId
          ? conn.send(marked(frame.json, mark))
          : conn.send(frame.prepared);
      if (!sent) continue;
      metrics.invalidationsSent++;
      if (pushed) metrics[rich.counter]++;
    }
  }

  /** The frame with the mutation mark, for the connection carrying the client that made it. */
  function marked(json: string, mark: { clientId: string; seq: number }): string {
    // The store's key (`clientScope`) goes back to the id the client knows itself by.
    const field = JSON.stringify({ clientId: unscopedClientId(mark.clientId), seq: mark.seq });
    return `${json.slice(0, -1)},"mutation":${field}}`;
  }

  async function inlineFrame(
    event: InvalidationEvent,
    head: Record<string, unknown>,
  ): Promise<Frame | undefined> {
    const current = await options.source.topic(topic).get();
    // Only the state of exactly this revision may ride on its invalidation.
    if (current.revision !== event.revision || current.epoch !== event.epoch) return undefined;
    if (jsonLengthExceeds(current.data ?? null, options.inlineBytes)) return undefined;
    return serialise({ ...head, data: current.data ?? null });
  }

  function someInline(conns: ReadonlySet<Connection<P>>): boolean {
    for (const conn of conns) if (conn.features.includes('inline')) return true;
    return false;
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
      let frame: Frame | undefined;
      if (someInline(conns)) {
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
