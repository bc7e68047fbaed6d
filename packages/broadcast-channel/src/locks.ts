// The part of the Web Locks API the election uses, and an in-memory stand-in for runtimes that
// lack `navigator.locks` (Node 20, tests). The stand-in only coordinates ends in one JS realm.

export interface LockRequestOptions {
  /** Aborts a request that is still waiting; the returned promise rejects with the reason. */
  signal?: AbortSignal;
}

/** Structurally satisfied by `navigator.locks`. Exclusive mode only. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: LockRequestOptions,
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>;
}

/** An exclusive, first-come-first-served lock manager held in memory. */
export function createMemoryLocks(): LockManagerLike {
  const queues = new Map<string, Array<() => void>>();
  const held = new Set<string>();

  function next(name: string): void {
    const grant = queues.get(name)?.shift();
    if (queues.get(name)?.length === 0) queues.delete(name);
    if (grant) grant();
    else held.delete(name);
  }

  return {
    request<T>(
      name: string,
      options: LockRequestOptions,
      callback: (lock: unknown) => Promise<T> | T,
    ): Promise<T> {
      const { signal } = options;
      return new Promise<T>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const grant = () => {
          signal?.removeEventListener('abort', abort);
          const lock = { name, mode: 'exclusive' };
          // The lock is held until the callback's promise settles, as with navigator.locks.
          Promise.resolve()
            .then(() => callback(lock))
            .then(resolve, reject)
            .finally(() => next(name));
        };
        const abort = () => {
          const queue = queues.get(name);
          const index = queue?.indexOf(grant) ?? -1;
          if (index < 0) return;
          queue!.splice(index, 1);
          if (queue!.length === 0) queues.delete(name);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', abort, { once: true });
        if (!held.has(name)) {
          held.add(name);
          grant();
        } else {
          const queue = queues.get(name) ?? [];
          queue.push(grant);
          queues.set(name, queue);
        }
      });
    },
  };
}
