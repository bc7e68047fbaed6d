// Coalescing (engine.ts): one fetch in flight, at most one queued behind it, whatever the burst.
// The queued fetch keeps the strongest reason asked for and, while it only stands for
// invalidations of one epoch, the newest revision they announced: it is dropped when the fetch
// before it already reached that revision. Made only when a fetch must wait (a pushed frame that
// is answered at once queues nothing).
import { compareRevisions, type Revision } from './revision';
import type { RefreshReason } from './types';

export class QueuedFetch {
  #reason: RefreshReason;
  /** The newest revision announced; `null`: it must run whatever was applied. */
  #revision: Revision | null;
  #epoch: string | undefined; // a revision means nothing without its epoch

  constructor(reason: RefreshReason, target?: Revision, targetEpoch?: string) {
    this.#reason = reason;
    this.#revision = target ?? null;
    this.#epoch = targetEpoch;
  }

  add(reason: RefreshReason, target?: Revision, targetEpoch?: string): void {
    // An invalidation-only fetch may be answered from what the transport holds; any other reason
    // needs the source, so it takes the slot (and `epoch` wins over everything).
    if (this.#reason === 'invalidation' || reason === 'epoch') this.#reason = reason;
    const revision = this.#revision;
    const epoch = this.#epoch;
    this.#revision =
      target === undefined || revision === null || (epoch !== undefined && targetEpoch !== epoch)
        ? null
        : compareRevisions(target, revision) > 0
          ? target
          : revision;
    this.#epoch = epoch ?? targetEpoch;
  }

  /** What to fetch now that the fetch before it applied `at` of `atEpoch` (or nothing), if any. */
  next(applied: boolean, at: Revision, atEpoch: string | undefined): RefreshReason | undefined {
    const left = this.#epoch !== undefined && this.#epoch !== atEpoch; // queued in an epoch now left
    if (this.#revision && applied && !left && compareRevisions(this.#revision, at) <= 0) return;
    // Queued in an epoch the fetch before it left: only the source knows which is current.
    return this.#reason === 'invalidation' && left ? 'epoch' : this.#reason;
  }
}
