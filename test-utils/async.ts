// Async test helpers shared by every package's tests: deferred promises for races, and one
// macrotask to let pending continuations run (not a timed wait).

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise continuation (and mocked IPC reply) run: one macrotask. */
export const settle = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));
