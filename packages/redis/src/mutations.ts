// lastMutation and recordMutation of one node (capability `mutations`, docs/writes.md), and the
// extra keys and arguments a write carrying a mutation passes to the write script.
import type { MutationMark, MutationRecord } from '@state-sync/core';
import { StateSyncRedisError } from './errors';
import type { NodeContext } from './node-context';
import { RECORD_MUTATION_SCRIPT } from './scripts';

/** Throws `invalid_argument` unless `mark` names a client (non-empty string) and a seq ≥ 1. */
export function checkMark(mark: MutationMark): void {
  if (typeof mark?.clientId !== 'string' || mark.clientId === '') {
    throw new StateSyncRedisError(
      'invalid_argument',
      'mutation clientId must be a non-empty string',
    );
  }
  if (!Number.isSafeInteger(mark.seq) || mark.seq < 1) {
    throw new StateSyncRedisError(
      'invalid_argument',
      `mutation seq ${String(mark.seq)} of "${mark.clientId}" must be a positive integer`,
    );
  }
}

/** KEYS and ARGV (13th on) the write script takes for `mark`; none without one. */
export function mutationWriteArgs(
  context: NodeContext,
  mark: MutationMark | undefined,
): { keys: string[]; args: string[] } {
  if (mark === undefined) return { keys: [], args: [''] };
  checkMark(mark);
  const { keys, config } = context;
  return {
    keys: [keys.mutation(mark.clientId), keys.mutationClients],
    args: [
      String(mark.seq),
      mark.clientId,
      String(config.mutationTtlMs),
      String(config.mutationMaxClients),
      keys.mutationKeyPrefix,
    ],
  };
}

export interface MutationCommands {
  lastMutation(clientId: string): Promise<MutationRecord | undefined>;
  recordMutation(clientId: string, record: MutationRecord): Promise<boolean>;
}

export function createMutationCommands(context: NodeContext): MutationCommands {
  const { keys, config, metrics, connections } = context;
  return {
    async lastMutation(clientId) {
      checkMark({ clientId, seq: 1 });
      const value = await connections.run('lastMutation', (client) =>
        client.get(keys.mutation(clientId)),
      );
      if (value == null) return undefined;
      return decode(clientId, String(value));
    },
    async recordMutation(clientId, record) {
      checkMark({ clientId, seq: record?.seq });
      const rejection = record.rejection && {
        code: String(record.rejection.code),
        message: String(record.rejection.message),
      };
      const value = rejection ? `${record.seq} ${JSON.stringify(rejection)}` : String(record.seq);
      const reply = (await connections.evalScript(
        RECORD_MUTATION_SCRIPT,
        [keys.mutation(clientId), keys.mutationClients],
        [
          String(record.seq),
          clientId,
          value,
          String(config.mutationTtlMs),
          String(config.mutationMaxClients),
          keys.mutationKeyPrefix,
        ],
      )) as unknown[];
      const [recorded, evicted] = reply.map(Number);
      metrics.clientsEvicted += evicted || 0;
      return recorded === 1;
    },
  };
}

function decode(clientId: string, value: string): MutationRecord {
  const space = value.indexOf(' ');
  const seq = Number(space < 0 ? value : value.slice(0, space));
  try {
    if (!Number.isSafeInteger(seq)) throw new Error(`seq ${JSON.stringify(value.slice(0, 20))}`);
    return space < 0 ? { seq } : { seq, rejection: JSON.parse(value.slice(space + 1)) };
  } catch (cause) {
    throw new StateSyncRedisError(
      'redis_error',
      `the mutation record of client "${clientId}" in Redis is not '<seq> [rejection JSON]'`,
      { cause },
    );
  }
}
