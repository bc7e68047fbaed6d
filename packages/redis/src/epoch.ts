// The epoch as Redis has it. Read on demand (concurrent callers share one round trip), created by
// the script when missing; a change means Redis lost its data, and every watched topic must resync.
import { randomId } from '@state-sync/core';
import type { NodeContext } from './node-context';
import { EPOCH_SCRIPT } from './scripts';

export interface EpochTracker {
  current(): string | undefined;
  fetch(): Promise<string>;
}

export function createEpochTracker(
  context: Omit<NodeContext, 'epoch' | 'fetchEpoch'>,
): EpochTracker {
  const { connections, keys, metrics, watched, emit } = context;
  let epoch: string | undefined;
  let inFlight: Promise<string> | undefined;

  function adopt(next: string): void {
    const previous = epoch;
    epoch = next;
    if (previous === undefined || previous === next) return;
    metrics.epochChanges++;
    watched.reset();
    for (const topic of watched.topics()) emit({ topic, revision: '0', epoch: next });
  }

  return {
    current: () => epoch,
    fetch() {
      inFlight ??= connections
        .evalScript(EPOCH_SCRIPT, [keys.epoch], [randomId(), keys.channel])
        .then((value) => {
          adopt(String(value));
          return String(value);
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
