// The host's write path: a mutation becomes the topic's next state (a `set`, or the reducer's
// answer), written with the ops of the change so the store logs them for resume and the
// invalidation carries them.
import type { SnapshotEnvelope, Source } from '@state-sync/core';
import { BroadcastChannelError } from './errors';
import type { HostMetrics, HostWriteMeta, MutationLedger, Reducer } from './host-api';
import type { DiffFunction } from './host-push';
import type { BroadcastMessage } from './protocol';

const isSetOp = (op: unknown): op is { type: 'set'; data: unknown } =>
  typeof op === 'object' &&
  op !== null &&
  (op as { type?: unknown }).type === 'set' &&
  'data' in op;

export function createWriter(deps: {
  source: Source;
  reducer: Reducer | undefined;
  ledger: MutationLedger | undefined;
  metrics: HostMetrics;
  diff: DiffFunction | undefined;
}) {
  const { source, reducer, ledger, metrics, diff } = deps;
  return async function write(
    message: Extract<BroadcastMessage, { type: 'mutate' }>,
  ): Promise<SnapshotEnvelope<unknown>> {
    const topic = source.topic(message.topic);
    if (ledger && (await ledger.hasMutation(message.topic, message.id))) {
      metrics.duplicates++;
      return topic.get();
    }
    const current = await topic.get();
    if (message.baseRevision !== undefined && message.baseRevision !== current.revision) {
      throw new BroadcastChannelError(
        'conflict',
        `"${message.topic}" is at revision ${current.revision}, not at the base revision ${message.baseRevision}`,
      );
    }
    let next: unknown;
    if (isSetOp(message.op)) next = message.op.data;
    else if (reducer) {
      try {
        // A clone, so a reducer that mutates its argument cannot change the stored state.
        next = await reducer(message.topic, structuredClone(current.data), message.op);
      } catch (cause) {
        throw new BroadcastChannelError(
          'mutation_failed',
          `the reducer threw on "${message.topic}"`,
          { cause },
        );
      }
    } else {
      throw new BroadcastChannelError(
        'bad_request',
        `op is not { type: 'set', data } and the host has no reducer: pass options.reducer to the host`,
      );
    }
    const meta: HostWriteMeta = { sourceId: message.from, mutationId: message.id };
    // The change as ops, so the store logs it for resume and the invalidation carries it.
    const ops = diff?.(current.data, next);
    let envelope: SnapshotEnvelope<unknown>;
    try {
      envelope = await topic.set(
        next,
        ops ? { ...meta, ifRevision: current.revision, delta: ops } : meta,
      );
    } catch (error) {
      // Another writer of the source got in between: the ops no longer describe the change, so
      // write without them (as before deltas existed: the last write wins).
      if ((error as { code?: unknown }).code !== 'conflict' || !ops) throw error;
      envelope = await topic.set(next, meta);
    }
    metrics.mutations++;
    return envelope;
  };
}
