// How the client reads a host's answers: a refusal becomes the app's error (a mutator's own
// `MutationRejected`, or a BroadcastChannelError), a mutator ack the queue's MutationAck, and an
// invalidation's mutation mark goes to the write queue before any engine sees it.
import { type MutationAck, MutationRejected } from '@state-sync/core';
import type { ClientWriteHooks } from './client-api';
import { BroadcastChannelError, type BroadcastChannelErrorCode, WIRE_ERROR_CODES } from './errors';
import type { BroadcastMessage } from './protocol';

type Of<T extends BroadcastMessage['type']> = Extract<BroadcastMessage, { type: T }>;

export function refusal(message: Of<'error'>, request: { type: string; topic: string }): Error {
  // A mutator's refusal reaches the app with the mutator's own code and message.
  if (message.rejected) return new MutationRejected(message.code, message.message);
  const code = (WIRE_ERROR_CODES as readonly string[]).includes(message.code)
    ? (message.code as BroadcastChannelErrorCode)
    : 'internal';
  return new BroadcastChannelError(
    code,
    `the host refused ${request.type} "${request.topic}": ${message.message}`,
  );
}

export const mutationAck = (message: Of<'ack'>, lastAppliedSeq: number): MutationAck => ({
  revision: message.revision,
  epoch: message.epoch ?? '',
  lastAppliedSeq,
  ...(message.duplicate ? { duplicate: true } : {}),
});

/** Hands an invalidation's mutation mark to the queue; a throwing queue is reported, not thrown. */
export function observeMark(
  writes: ClientWriteHooks | undefined,
  message: Of<'invalidate'>,
  report: (error: BroadcastChannelError) => void,
): void {
  if (!writes || !message.mutation) return;
  try {
    writes.observe({
      topic: message.topic,
      revision: message.revision,
      ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
      mutation: message.mutation,
    });
  } catch (cause) {
    report(new BroadcastChannelError('internal', 'the write queue failed', { cause }));
  }
}
