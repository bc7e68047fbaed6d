// "Tell me when revision R is on screen": after a write is acknowledged with R, the app awaits the
// engine applying it. Built on onApply and onStatus, so it works with any handle and costs nothing
// to apps that do not import it.
import { StateSyncError } from './errors';
import { assertRevision, compareRevisions, type Revision } from './revision';
import type { RevisionSyncHandle } from './types';

export type AppliedSource = Pick<
  RevisionSyncHandle,
  'getLocalRevision' | 'getEpoch' | 'getStatus' | 'onApply' | 'onStatus'
>;

/**
 * Resolves once `sync` has applied `revision` or later in `epoch` (default: its current epoch, or
 * the first one it applies). Rejects with `stopped` when the engine stops first, with
 * `epoch_changed` when the source is reset under that epoch (the revision may never come), and
 * with `invalid_revision` for a revision that is not canonical.
 */
export function whenApplied(
  sync: AppliedSource,
  revision: Revision,
  epoch = sync.getEpoch(),
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    assertRevision(revision);
    let last = sync.getEpoch();
    const reached = () => compareRevisions(sync.getLocalRevision(), revision) >= 0;
    const fail = (code: 'stopped' | 'epoch_changed', why: string) =>
      finish(new StateSyncError(code, `revision ${revision} was not applied: ${why}`));
    const finish = (error?: StateSyncError) => {
      offApply();
      offStatus();
      error ? reject(error) : resolve();
    };
    const offApply = sync.onApply(() => {
      const now = sync.getEpoch();
      epoch ??= now;
      if (now === epoch && reached()) finish();
      else if (last === epoch && now !== epoch) {
        fail('epoch_changed', `the source moved to epoch ${now}`);
      }
      last = now;
    });
    const offStatus = sync.onStatus((status) => {
      if (status === 'stopped') fail('stopped', 'the sync stopped');
    });
    if (sync.getStatus() === 'stopped') fail('stopped', 'the sync is stopped');
    else if ((epoch === undefined || epoch === last) && reached()) finish();
  });
}
