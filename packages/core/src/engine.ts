// The client engine: validates invalidations, coalesces them into at most one fetch in flight plus
// one queued, and applies a snapshot only when it is newer (or from a new epoch).
// One class with its methods on the prototype: a started handle holds its fields and a single
// closure (the handler given to the subscriber), not one closure per method (bench/engine).
import { eventProblem, problemText, snapshotProblem } from './engine-checks';
import {
  added,
  Context,
  createMetrics,
  createWaiters,
  differ,
  IDLE,
  isThenable,
  noop,
  RUNNING,
  removed,
  STARTING,
  STOPPED,
  type Waiters,
} from './engine-parts';
import { QueuedFetch } from './engine-queue';
import { describeValue, isNonEmptyString, StateSyncError, type StateSyncErrorCode } from './errors';
import type { Logger } from './logger';
import { compareRevisions, type Revision } from './revision';
import type { StandardSchemaV1 } from './standard-schema';
import type {
  ApplyListener,
  ConnectivityEvent,
  InvalidationEvent,
  RefreshReason,
  ResyncEvent,
  RevisionSyncHandle,
  RevisionSyncOptions,
  SnapshotEnvelope,
  StatusListener,
  SyncErrorContext,
  SyncMetrics,
  SyncPhase,
  SyncStatus,
} from './types';

type Event = InvalidationEvent & Partial<ResyncEvent> & Partial<ConnectivityEvent>;

class RevisionSync<T> implements RevisionSyncHandle<T> {
  // The options read on every event and fetch, in fields of their own: callers build options in
  // many ways (a spread of the app's object, say), and a thousand handles whose options have a
  // thousand hidden classes made each `this.#o.applier` a megamorphic lookup (bench: 1,000 clients).
  readonly #provider: RevisionSyncOptions<T>['provider'];
  readonly #applier: RevisionSyncOptions<T>['applier'];
  readonly #schema: RevisionSyncOptions<T>['schema'];
  readonly #shouldRefresh: RevisionSyncOptions<T>['shouldRefresh'];
  readonly #topic: string;
  readonly #log?: Logger; // optional-chained: no default object, no call without a logger
  // Bumped by start() and stop(): an async continuation whose run is no longer current belongs to
  // a stopped session and must not touch state (stop quiescence).
  #run = 0;
  #phase = IDLE;
  #ctx?: Context; // reset by start(): a new session has a new AbortController
  #revision: Revision = '0';
  #epoch?: string;
  #applied = false;
  #data?: T; // what the applier was given last: the app's own state, not a copy
  // The envelope the applier is writing: getLocalRevision() already shows it to store listeners.
  #applying?: SnapshotEnvelope<T>;
  #status: SyncStatus = 'idle';
  // [status listeners, apply listeners], created on the first onStatus/onApply.
  #listeners?: [StatusListener[]?, ApplyListener<T>[]?];
  #inFlight = false;
  // The fetch in flight (its number is `#m.fetches`: one at a time): its reason, and the snapshot
  // between its check and its apply.
  #reason: RefreshReason = 'initial';
  #candidate?: SnapshotEnvelope<T>;
  #queued?: QueuedFetch; // behind the fetch in flight (engine-queue.ts)
  // refresh() calls are served by the first fetch that starts after them: `#next` collects them
  // until a fetch starts and takes it as `#serving` (kept here so that stop() can reject it).
  #next?: Waiters;
  #serving?: Waiters;
  // Fetches are numbered; only one numbered at least this may report `synced`. Infinity while
  // the transport reports no connection, the number of the first fetch after it reconnected then.
  #syncedAfter = 0;
  readonly #m = createMetrics();
  // Read by start(), stop() and onError only: last, so that the fields a frame reads lie in fewer
  // cache lines (an object's fields lie in declaration order; with 1,000 engines in a process each
  // line a frame touches is a cache miss).
  readonly #o: RevisionSyncOptions<T>;
  #started?: Promise<void>;
  #unsubscribe?: () => void;
  #abort?: AbortController;

  constructor(options: RevisionSyncOptions<T>) {
    if (!isNonEmptyString(options.topic)) {
      throw new StateSyncError('invalid_argument', `topic ${describeValue(options.topic)}`);
    }
    this.#o = options;
    this.#provider = options.provider;
    this.#applier = options.applier;
    this.#schema = options.schema;
    this.#shouldRefresh = options.shouldRefresh;
    this.#topic = options.topic;
    this.#log = options.logger;
  }

  /** Runs user code (callbacks, listeners, unsubscribe) so that a throw cannot break the engine.
   * Arguments are passed through rather than closed over: no closure per call on the hot path. */
  #safely<A, B>(fn: ((a: A, b: B) => unknown) | undefined, a?: A, b?: B): void {
    try {
      fn?.(a!, b!);
    } catch (error) {
      this.#log?.error('callback failed', { topic: this.#topic, error });
    }
  }

  /** Calls each listener without letting it throw (see `added`: no copy of the list). */
  #emit<A, B>(listeners: ((a: A, b: B) => void)[] | undefined, a: A, b: B): void {
    if (listeners) for (const listener of listeners) this.#safely(listener, a, b);
  }

  /** Reports an error (wrapped in a StateSyncError when `code` is given) and returns it. Messages
   * are `"topic": what` (`what` defaults to the code), short on purpose: they ship to every
   * browser, and `code` says the rest. */
  #fail(
    phase: SyncPhase,
    error: unknown,
    extra?: Partial<SyncErrorContext>,
    code?: StateSyncErrorCode,
    what: string | undefined = code,
  ): unknown {
    if (code) error = new StateSyncError(code, `"${this.#topic}": ${what}`, { cause: error });
    this.#m[`${phase}Errors`]++;
    this.#log?.error(`${phase} failed`, { topic: this.#topic, error });
    this.#safely(() => this.#o.onError?.({ phase, topic: this.#topic, error, ...extra }));
    return error;
  }

  #setStatus(next: SyncStatus, reason?: RefreshReason, error?: unknown): void {
    // While offline only `stopped` replaces `offline`: no fetch result makes stale state look fresh.
    if (next === this.#status || (this.#syncedAfter === Infinity && next !== 'stopped')) return;
    this.#status = next;
    this.#emit(this.#listeners?.[0], next, { reason, error });
  }

  #request(reason: RefreshReason, target?: Revision, targetEpoch?: string): void {
    if (this.#phase !== RUNNING) return; // while starting, the first fetch after subscribe covers it
    if (!this.#inFlight) this.#fetch(reason);
    else if (this.#queued) this.#queued.add(reason, target, targetEpoch);
    else this.#queued = new QueuedFetch(reason, target, targetEpoch);
  }

  /**
   * Calls `fn` (user code: a provider, a schema, an applier), then `next` with its answer, or
   * `#failed` with what it threw or rejected: at once when it answers synchronously, when its
   * promise settles otherwise. A fetch's steps chain through here, so a fetch whose steps all
   * answer synchronously (a pushed frame) runs to the applier with no promise and no async
   * function per fetch (bench/results/websocket-2026-12-03f.md). Each step is told the run it
   * started in: one whose engine stopped meanwhile does nothing.
   */
  #call<A>(
    fn: (arg: A) => unknown,
    self: unknown,
    arg: A,
    next: (value: never, run: number) => void,
  ): void {
    const run = this.#run;
    let value: unknown;
    try {
      value = fn.call(self, arg);
    } catch (error) {
      this.#failed(error, run);
      return;
    }
    if (!isThenable(value)) next.call(this, value as never, run);
    else
      value.then(
        (answer) => next.call(this, answer as never, run),
        (error) => this.#failed(error, run),
      );
  }

  /** A fetch, step 1: asks the provider (then #got, #validated, #committed, #done). */
  #fetch(reason: RefreshReason): void {
    this.#inFlight = true;
    this.#reason = reason;
    if (reason !== 'invalidation' || !this.#applied) this.#setStatus('syncing', reason);
    this.#m.fetches++;
    this.#serving = this.#next;
    this.#next = undefined;
    // The last fetch's Context serves the next of the same reason (its fields never change): no
    // Context per pushed frame (bench:client-frame).
    let context = this.#ctx;
    if (context?.reason !== reason) this.#ctx = context = new Context(reason, this.#abort!);
    this.#call(this.#provider.getSnapshot, this.#provider, context, this.#got);
  }

  /** Step 2: a valid snapshot newer than ours goes to the schema, if any, then to #validated. */
  #got(envelope: unknown, run: number): void {
    if (run !== this.#run) return;
    const problem = snapshotProblem(envelope);
    const env = envelope as SnapshotEnvelope<T>;
    if (problem !== undefined) {
      const text = problemText('snapshot', envelope, problem);
      const extra = { sourceEvent: envelope, reason: this.#reason };
      this.#done(run, this.#fail('protocol', undefined, extra, 'invalid_snapshot', text));
    } else if (
      this.#applied &&
      !differ(env.epoch, this.#epoch) &&
      compareRevisions(env.revision, this.#revision) <= 0
    ) {
      this.#m.stale++;
      this.#log?.debug('stale snapshot', { topic: this.#topic, revision: env.revision });
      this.#done(run);
    } else {
      this.#candidate = { revision: env.revision, epoch: env.epoch, data: env.data };
      const schema = this.#schema?.['~standard'];
      if (schema) this.#call(schema.validate, schema, env.data, this.#validated);
      else this.#validated(undefined, run);
    }
  }

  /** Step 3: what the schema made of the data (undefined without a schema) goes to the applier. */
  #validated(result: StandardSchemaV1.Result<T> | undefined, run: number): void {
    if (run !== this.#run) return;
    const next = this.#candidate!;
    this.#candidate = undefined;
    const issues = result?.issues;
    if (issues) {
      const text = `@${next.revision} ${issues.map((issue) => issue.message).join('; ')}`;
      this.#done(
        run,
        this.#fail('apply', issues, { reason: this.#reason }, 'schema_rejected', text),
      );
      return;
    }
    if (result) next.data = result.value;
    const applier = this.#applier;
    this.#applying = next;
    if (typeof applier === 'function') this.#call(applier, undefined, next, this.#committed);
    else this.#call(applier.apply, applier, next, this.#committed);
  }

  /** Step 4: applied; the engine's position moves and the apply listeners are told. */
  #committed(_: unknown, run: number): void {
    const next = this.#applying!;
    this.#applying = undefined;
    if (run !== this.#run) return;
    const reason = this.#reason;
    this.#revision = next.revision;
    if (next.epoch !== undefined) this.#epoch = next.epoch;
    this.#data = next.data;
    this.#applied = true;
    this.#m.applied++;
    // Optional chaining skips building the context object when there is no logger.
    this.#log?.debug('applied', { topic: this.#topic, revision: next.revision, reason });
    this.#emit(this.#listeners?.[1], next, reason);
    this.#done(run);
  }

  /** A step threw or rejected: the applier (while one is applying), else the provider or schema. */
  #failed(error: unknown, run: number): void {
    const applying = this.#applying?.revision;
    this.#applying = undefined;
    if (run !== this.#run) return;
    const extra = { reason: this.#reason };
    this.#done(
      run,
      applying
        ? this.#fail('apply', error, extra, 'apply_failed', `applier threw @${applying}`)
        : this.#fail('getSnapshot', error, extra, 'fetch_failed'),
    );
  }

  /** Step 5: settles the refresh() calls this fetch served, reports, and starts the queued fetch. */
  #done(run: number, failure?: unknown): void {
    if (run !== this.#run) return; // an apply or error listener stopped the engine
    const reason = this.#reason;
    const waiters = this.#serving;
    this.#serving = undefined;
    waiters?.[failure ? 2 : 1](failure); // resolve(undefined) or reject(failure)
    if (failure) this.#setStatus('error', reason, failure);
    else if (this.#applied && this.#m.fetches >= this.#syncedAfter)
      this.#setStatus('synced', reason);
    const queued = this.#queued?.next(this.#applied, this.#revision, this.#epoch);
    this.#queued = undefined;
    if (queued && run === this.#run) this.#fetch(queued);
    else this.#inFlight = false;
  }

  #onEvent(event: unknown): void {
    if (this.#phase < STARTING) return;
    const m = this.#m;
    m.events++;
    const problem = eventProblem(event, this.#topic);
    if (problem !== undefined) {
      this.#fail(
        'protocol',
        undefined,
        { sourceEvent: event },
        'invalid_event',
        problemText('event', event, problem),
      );
      return;
    }
    const e = event as Event;
    if (e.topic !== this.#topic) {
      m.ignored++;
    } else if (e.resync) {
      this.#request(e.reason ?? 'reconnect');
    } else if (e.connected === false) {
      this.#setStatus('offline');
      this.#syncedAfter = Infinity;
    } else if (e.connected) {
      // Stale until a snapshot fetched after the reconnect is applied.
      this.#syncedAfter = m.fetches + 1;
      this.#setStatus('syncing', 'reconnect');
      this.#request('reconnect');
    } else {
      const shouldRefresh = this.#shouldRefresh;
      let wanted = true;
      try {
        wanted = shouldRefresh?.(e) ?? true;
      } catch (error) {
        this.#fail('refresh', error, { sourceEvent: event }); // and fetch: never miss a change
      }
      const epoch = this.#epoch;
      if (!wanted) m.ignored++;
      else if (differ(e.epoch, epoch)) {
        this.#request('epoch');
      } else if (this.#applied && compareRevisions(e.revision, this.#revision) <= 0) m.ignored++;
      else this.#request(e.reason ?? 'invalidation', e.revision, e.epoch);
    }
  }

  #refresh(reason: RefreshReason): Promise<void> {
    this.#next ??= createWaiters();
    const waiters = this.#next;
    this.#request(reason); // may start the fetch that takes `#next` at once
    return waiters[0];
  }

  #error(): StateSyncError {
    const code = this.#phase === STOPPED ? 'stopped' : 'not_started';
    return new StateSyncError(code, `"${this.#topic}": ${code}`);
  }

  #settleAll(error: unknown): void {
    this.#next?.[2](error);
    this.#serving?.[2](error);
    this.#next = this.#serving = undefined;
  }

  start(): Promise<void> {
    // Until stop(), every start() shares the first one's promise: it settles with the first fetch.
    if (this.#phase < STARTING) {
      this.#phase = STARTING;
      this.#abort = new AbortController();
      this.#ctx = undefined;
      this.#syncedAfter = 0;
      this.#setStatus('syncing', 'initial');
      this.#started = this.#subscribe(++this.#run);
    }
    return this.#started!;
  }

  async #subscribe(run: number): Promise<void> {
    let unsubscribe: unknown;
    try {
      // Bound, not an arrow: one function object per engine, where an arrow is a function and
      // its context, each a cache miss on every event when a process holds 1,000 engines.
      unsubscribe = await this.#o.subscriber.subscribe(this.#onEvent.bind(this));
      if (typeof unsubscribe !== 'function') {
        throw new TypeError('no unsubscribe');
      }
    } catch (cause) {
      if (run !== this.#run) return;
      this.#phase = IDLE;
      const error = this.#fail('subscribe', cause, undefined, 'subscribe_failed');
      this.#settleAll(error);
      this.#setStatus('error', undefined, error);
      throw error;
    }
    if (run !== this.#run) {
      // stop() came while subscribe was pending (e.g. Tauri's async listen): release it now.
      this.#safely(unsubscribe as () => void);
      return;
    }
    this.#unsubscribe = unsubscribe as () => void;
    this.#phase = RUNNING;
    await this.#refresh('initial').catch(noop); // a failed first fetch is reported, not fatal
  }

  stop(): void {
    if (this.#phase < STARTING) return;
    this.#run++;
    this.#phase = STOPPED;
    const error = this.#error();
    this.#abort!.abort(error);
    this.#safely(this.#unsubscribe);
    this.#unsubscribe = undefined;
    this.#inFlight = false;
    this.#queued = undefined;
    this.#settleAll(error);
    this.#syncedAfter = 0;
    this.#setStatus('stopped');
  }

  refresh(): Promise<void> {
    return this.#phase < STARTING ? Promise.reject(this.#error()) : this.#refresh('manual');
  }

  getLocalRevision(): Revision {
    return this.#applying?.revision ?? this.#revision;
  }

  getEpoch(): string | undefined {
    return this.#applying?.epoch ?? this.#epoch;
  }

  // A fresh envelope on purpose, not the applied one kept: an envelope that outlives its frame
  // gets its allocation site pretenured, and each replaced old envelope then keeps its state alive
  // through every scavenge (bench/results/websocket-2026-12-03e.md; again in -03h.md: +5 µs/frame).
  getApplied(): SnapshotEnvelope<T> | undefined {
    if (this.#applying) return this.#applying;
    if (this.#applied) return { revision: this.#revision, epoch: this.#epoch, data: this.#data! };
  }

  getStatus(): SyncStatus {
    return this.#status;
  }

  #on(i: 0 | 1, listener: StatusListener | ApplyListener<T>): () => void {
    this.#listeners ??= [];
    const lists = this.#listeners as unknown[][];
    lists[i] = added(lists[i], listener);
    return () => {
      lists[i] = removed(lists[i], listener)!;
    };
  }

  onStatus(listener: StatusListener): () => void {
    return this.#on(0, listener);
  }

  onApply(listener: ApplyListener<T>): () => void {
    return this.#on(1, listener);
  }

  getMetrics(): SyncMetrics {
    return { ...this.#m };
  }
}

export function createRevisionSync<T>(options: RevisionSyncOptions<T>): RevisionSyncHandle<T> {
  return new RevisionSync(options);
}
