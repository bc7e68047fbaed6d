// One change of a watched topic, out to every event stream that carries it: each kind of frame is
// serialised once (the same bytes to every stream that gets it), never once per stream. Streams
// whose client announced the push features get the change itself — its delta, or the whole state
// when at most `inlineBytes` — and the others the plain invalidation, after which they pull. The
// rules are the WebSocket server's (packages/websocket/src/invalidation-fanout.ts).
import { type InvalidationEvent, type Source, unscopedClientId } from '@state-sync/core';
import { jsonLengthExceeds, type ProtocolFeature } from '@state-sync/protocol';

export interface PushSettings {
  push: boolean;
  inlineBytes: number;
}

export interface FanOutTarget {
  readonly features: readonly ProtocolFeature[];
}

export type PushKind = 'plain' | 'delta' | 'inline';

/** Sends `bytes` to `target`; false when the stream is gone. */
type Send<S> = (target: S, bytes: Uint8Array, kind: PushKind) => boolean;

export type FanOut<S> = (event: InvalidationEvent, targets: ReadonlySet<S>) => void;

const encoder = new TextEncoder();

/** One SSE event: `data:` is one line (JSON escapes newlines), `id:` only when given. */
export function sseEvent(message: unknown, id?: string): Uint8Array {
  return encoder.encode(
    `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(message)}\n\n`,
  );
}

/** Builds the fan-out of one topic; changes go out in the order the source emitted them. */
export function createFanOut<S extends FanOutTarget>(
  source: Source,
  topic: string,
  settings: PushSettings,
  send: Send<S>,
  onFailure: (cause: unknown) => void,
): FanOut<S> {
  let queue: Promise<void> = Promise.resolve();

  function deliver(
    targets: ReadonlySet<S>,
    plain: () => Uint8Array,
    rich: { frame: Uint8Array; feature: ProtocolFeature; kind: PushKind } | undefined,
  ): void {
    let plainFrame: Uint8Array | undefined;
    for (const target of [...targets]) {
      const pushed = rich !== undefined && target.features.includes(rich.feature);
      if (!pushed) plainFrame ??= plain();
      send(target, pushed ? rich.frame : (plainFrame as Uint8Array), pushed ? rich.kind : 'plain');
    }
  }

  async function inlineFrame(
    event: InvalidationEvent,
    head: Record<string, unknown>,
    id: string,
  ): Promise<Uint8Array | undefined> {
    const current = await source.topic(topic).get();
    // Only the state of exactly this revision may ride on its invalidation.
    if (current.revision !== event.revision || current.epoch !== event.epoch) return undefined;
    if (jsonLengthExceeds(current.data ?? null, settings.inlineBytes)) return undefined;
    return sseEvent({ ...head, data: current.data ?? null }, id);
  }

  return (event, targets) => {
    const head: Record<string, unknown> = {
      type: 'invalidate',
      topic,
      revision: event.revision,
      epoch: event.epoch,
    };
    if (event.sourceId !== undefined) head.sourceId = event.sourceId;
    // A scoped key (`clientScope`) goes back to the id the client knows itself by.
    if (event.mutation !== undefined)
      head.mutation = { ...event.mutation, clientId: unscopedClientId(event.mutation.clientId) };
    const id = `${event.epoch}:${event.revision}`;
    const plain = () => sseEvent(head, id);
    if (!settings.push) return deliver(targets, plain, undefined);
    queue = queue.then(async () => {
      if (event.delta) {
        const frame = sseEvent({ ...head, delta: event.delta }, id);
        return deliver(targets, plain, { frame, feature: 'delta', kind: 'delta' });
      }
      let frame: Uint8Array | undefined;
      if (settings.inlineBytes > 0 && [...targets].some((t) => t.features.includes('inline'))) {
        try {
          frame = await inlineFrame(event, head, id);
        } catch (cause) {
          onFailure(cause); // the plain invalidation makes them pull
        }
      }
      deliver(targets, plain, frame ? { frame, feature: 'inline', kind: 'inline' } : undefined);
    });
  };
}
