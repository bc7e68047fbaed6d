// The client's pulls: the snapshot at the revision-addressed URL an invalidation named (so a cache
// can answer it), the delta from the local revision at a revision-addressed delta URL (cacheable
// too), or a conditional GET that costs a `304` when nothing changed. A pull that failed because
// the server was unreachable or restarting is retried with the reconnect backoff until the
// request timeout, as the WebSocket client resends a `get` on its next socket.
import { compareRevisions, type SnapshotEnvelope } from '@state-sync/core';
import type { PulledState } from '@state-sync/protocol';
import type { ClientMetrics } from './client-options';
import { StateSyncHttpError } from './errors';
import { fetchSnapshot, type Position, type RequestContext } from './http-requests';

export interface PullContext {
  request: RequestContext;
  metrics: ClientMetrics;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Ask for deltas (the push option). */
  deltas: boolean;
  /** The newest position heard for `topic` (an invalidation or a beacon). */
  known(topic: string): Position | undefined;
  isClosed(): boolean;
}

/**
 * Pulls `topic`. With `since` (the local position) and a newer known revision of the same epoch:
 * the delta URL; with `since` and nothing newer known: a conditional GET answered by the local
 * state itself on `304`. Otherwise the snapshot at the known revision.
 */
export async function pull<T>(
  context: PullContext,
  topic: string,
  since: Position | undefined,
  local: SnapshotEnvelope<T> | undefined,
  signal: AbortSignal | undefined,
): Promise<PulledState> {
  const { request, metrics, baseDelayMs, maxDelayMs } = context;
  const known = context.known(topic);
  let mode: { since: string } | { ifNoneMatch: Position } | undefined;
  if (context.deltas && since && local?.revision === since.revision) {
    if (!known) mode = { ifNoneMatch: since };
    else if (known.epoch === since.epoch)
      mode =
        compareRevisions(known.revision, since.revision) > 0
          ? { since: since.revision }
          : { ifNoneMatch: since };
  }
  const deadline = Date.now() + request.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    metrics.snapshotRequests++;
    try {
      const answer = await fetchSnapshot(request, topic, known, mode, signal);
      if (answer === 'not_modified') {
        metrics.notModified++;
        // Asked only with `since` at the local position (`mode` above): that state still holds.
        return { revision: since!.revision, epoch: since!.epoch, data: local!.data };
      }
      return answer;
    } catch (error) {
      const transient =
        error instanceof StateSyncHttpError &&
        (error.code === 'disconnected' || [502, 503, 504].includes(error.status ?? 0));
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
      if (!transient || context.isClosed() || signal?.aborted || Date.now() + delay > deadline)
        throw error;
      await new Promise((resolve) => globalThis.setTimeout(resolve, delay));
      if (context.isClosed()) throw error;
    }
  }
}
