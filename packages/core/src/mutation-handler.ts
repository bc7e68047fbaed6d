// The server side of the write path, transport-independent: validates a client's mutation, applies
// it with compare-and-set on the source, exactly once per (clientId, seq), and reports the outcome.
import { StateSyncError } from './errors';
import {
  findMutator,
  MutationRejected,
  type MutatorsByTopic,
  toRejection,
  validateArgs,
} from './mutators';
import type { Revision } from './revision';
import type { Source } from './source';
import type { MutationRecord } from './store';
import type { SnapshotEnvelope } from './types';

/** One `mutate` frame as a transport received it (validated here, so `unknown` fields are fine). */
export interface MutationRequest {
  topic: string;
  name: string;
  args: unknown;
  clientId: string;
  seq: number;
  /**
   * Who sent it, as the server's `clientScope(principal)` named them (a user id, say): the store
   * keeps exactly-once records per (scope, clientId), so a client id learned by another user
   * cannot reach into this user's sequence. Undefined: ids are global (bearer values).
   */
  scope?: string;
}

const SCOPE_SEPARATOR = '\u001f';

/**
 * The key under which the store records a client's mutations, and the `clientId` of the marks its
 * writes carry: the id itself, or `scope` U+001F id. Throws `invalid_argument` for a scope that is
 * not a non-empty string free of U+001F (a bug in the server's `clientScope`).
 */
export function scopedClientId(scope: string | undefined, clientId: string): string {
  if (scope === undefined) return clientId;
  if (typeof scope !== 'string' || !scope || scope.includes(SCOPE_SEPARATOR))
    throw new StateSyncError('invalid_argument', `bad clientScope ${JSON.stringify(scope)}`);
  return scope + SCOPE_SEPARATOR + clientId;
}

/** The client's own id inside a store key or mark `clientId` (`scopedClientId`'s inverse). */
export function unscopedClientId(key: string): string {
  return key.slice(key.indexOf(SCOPE_SEPARATOR) + 1);
}

/** The reply to an applied mutation: the state at `revision` (and later) includes it. */
export interface MutationAck {
  revision: Revision;
  epoch: string;
  /** The client's last processed seq (this one). */
  lastAppliedSeq: number;
  /** The mutation had been applied before (a resend): it was not applied again. */
  duplicate?: true;
}

/** A snapshot with the last processed seq of the client it is for, read consistently. */
export type MutationSnapshot<T> = SnapshotEnvelope<T> & { lastAppliedSeq?: number };

export interface MutationHandlerOptions {
  source: Source;
  /** Topic name → its mutators (`defineMutators`). */
  mutators: MutatorsByTopic;
  /** Attempts when another writer changes the topic between read and write. Default 10. */
  maxAttempts?: number;
  /** Longest accepted client id (characters). Default 128. */
  maxClientIdLength?: number;
}

export interface MutationHandler {
  /** Resolves with the ack, or rejects with `MutationRejected` (send its `code` and `message`). */
  apply(request: MutationRequest): Promise<MutationAck>;
  /**
   * `topic.get()` plus the last processed seq of `clientId` (within `scope`, as `apply` got it),
   * consistent with the data.
   */
  snapshot<T>(topic: string, clientId?: string, scope?: string): Promise<MutationSnapshot<T>>;
}

export function createMutationHandler(options: MutationHandlerOptions): MutationHandler {
  const { source, mutators } = options;
  const maxAttempts = options.maxAttempts ?? 10;
  const maxClientIdLength = options.maxClientIdLength ?? 128;
  const lastMutation = source.lastMutation?.bind(source);
  const recordMutation = source.recordMutation?.bind(source);
  if (!lastMutation || !recordMutation) {
    throw new StateSyncError(
      'unsupported',
      'createMutationHandler needs a source with lastMutation/recordMutation (createSource does)',
    );
  }
  // One mutation per topic at a time in this process: a resend racing its original, or two
  // clients writing one topic, then never conflict here; other processes are caught by the store.
  const chains = new Map<string, Promise<unknown>>();

  function checkRequest(request: MutationRequest): void {
    const { topic, name, clientId, seq } = (request ?? {}) as Partial<MutationRequest>;
    const problem =
      typeof topic !== 'string' || topic === ''
        ? 'topic must be a non-empty string'
        : typeof name !== 'string' || name === ''
          ? 'name must be a non-empty string'
          : typeof clientId !== 'string' || clientId === '' || clientId.length > maxClientIdLength
            ? `clientId must be a string of 1 to ${maxClientIdLength} characters`
            : !Number.isSafeInteger(seq) || (seq as number) < 1
              ? 'seq must be a positive integer'
              : undefined;
    if (problem) throw new MutationRejected('invalid_request', `mutation rejected: ${problem}`);
  }

  async function applyOnce(request: MutationRequest): Promise<MutationAck> {
    const { topic: topicName, name, args, clientId, seq } = request;
    const key = scopedClientId(request.scope, clientId);
    const topic = source.topic(topicName);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const last = await lastMutation?.(key);
      const lastSeq = last?.seq ?? 0;
      if (seq <= lastSeq) return duplicate(last as MutationRecord, seq, () => topic.get());
      if (last === undefined && seq !== 1) {
        throw new MutationRejected(
          'unknown_client',
          `client "${clientId}" is unknown to this server (never seen, or forgotten after its TTL or a store reset): mutation ${seq} cannot be applied exactly once; reload and retry`,
        );
      }
      if (seq !== lastSeq + 1) {
        throw new MutationRejected(
          'mutation_gap',
          `mutation ${seq} of client "${clientId}" arrived before ${lastSeq + 1}: send mutations in order`,
        );
      }
      const current = await topic.get();
      let next: unknown;
      try {
        const mutator = findMutator(mutators, topicName, name);
        const valid = await validateArgs(mutator, name, args);
        next = mutator.apply(current.data, valid, {
          topic: topicName,
          clientId,
          seq,
          server: true,
        });
      } catch (error) {
        const rejection = toRejection(error);
        // A refused mutation is processed too: the next seq must not wait for it, and a resend
        // must get the same refusal.
        if (!(await recordMutation?.(key, { seq, rejection: rejection.toJSON() }))) continue;
        throw rejection;
      }
      try {
        const written = await topic.set(next, {
          ifRevision: current.revision,
          mutation: { clientId: key, seq },
        });
        return {
          revision: written.revision,
          epoch: written.epoch as string,
          lastAppliedSeq: seq,
        };
      } catch (error) {
        if (error instanceof StateSyncError && error.code === 'conflict') continue;
        throw error;
      }
    }
    throw new MutationRejected(
      'write_conflict',
      `topic "${topicName}" kept changing under ${maxAttempts} attempts of mutation "${name}"`,
    );
  }

  async function duplicate(
    last: MutationRecord,
    seq: number,
    read: () => Promise<SnapshotEnvelope<unknown>>,
  ): Promise<MutationAck> {
    if (seq === last.seq && last.rejection) {
      throw new MutationRejected(last.rejection.code, last.rejection.message);
    }
    // Applied earlier at some revision at or before the current one. Read only now: a refusal
    // repeated above must not leave a read running that nobody awaits.
    const { revision, epoch } = await read();
    return { revision, epoch: epoch as string, lastAppliedSeq: last.seq, duplicate: true };
  }

  return {
    apply(request) {
      try {
        checkRequest(request);
      } catch (error) {
        return Promise.reject(error);
      }
      const run = () => applyOnce(request);
      const previous = chains.get(request.topic) ?? Promise.resolve();
      const result = previous.then(run, run);
      const tail = result.catch(() => {});
      chains.set(request.topic, tail);
      // The map holds only topics with a mutation in flight.
      tail.then(() => {
        if (chains.get(request.topic) === tail) chains.delete(request.topic);
      });
      return result;
    },
    async snapshot<T>(
      topicName: string,
      clientId?: string,
      scope?: string,
    ): Promise<MutationSnapshot<T>> {
      const topic = source.topic<T>(topicName);
      if (clientId === undefined) return topic.get();
      const key = scopedClientId(scope, clientId);
      // No mutation of this client landed between the two reads of its seq, so the data read in
      // between includes exactly its mutations up to that seq. Bounded: after 3 tries the seq is
      // left out and the client keeps its pending mutations until an ack or a later state.
      for (let attempt = 0; attempt < 3; attempt++) {
        const before = await lastMutation?.(key);
        const envelope = await topic.get();
        const after = await lastMutation?.(key);
        if (before?.seq === after?.seq) {
          return after ? { ...envelope, lastAppliedSeq: after.seq } : envelope;
        }
      }
      return topic.get();
    },
  };
}
