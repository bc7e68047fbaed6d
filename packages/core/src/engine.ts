// The client engine: validates invalidations, coalesces them into at most one fetch in flight plus
// one queued, and applies a snapshot only when it is newer (or from a new epoch).
import { describeValue, StateSyncError } from './errors';
import { noopLogger } from './logger';
import { compareRevisions, isRevision, type Revision, revisionProblem } from './revision';
import type {
  InvalidationEvent,
  RefreshReason,
  RevisionSyncHandle,
  RevisionSyncOptions,
  StatusListener,
  SyncErrorContext,
  SyncMetrics,
  SyncPhase,
  SyncStatus,
} from './types';

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REASONS = 'initial invalidation gap epoch beacon reconnect manual'.split(' ');

function revisionAndEpochProblem(
  value: Record<string, unknown>,
  keys: string[],
): string | undefined {
  if (!isRevision(value.revision)) {
    return `revision ${describeValue(value.revision)} ${revisionProblem(value.revision)}`;
  }
  for (const key of keys) {
    if (value[key] !== undefined && typeof value[key] !== 'string') {
      return `${key} ${describeValue(value[key])} must be a string`;
    }
  }
}

const objectProblem = (value: unknown) =>
  isObject(value) ? undefined : `must be an object, got ${describeValue(value)}`;

const topicProblem = (topic: unknown) =>
  typeof topic === 'string' && topic.trim() !== ''
    ? undefined
    : `topic ${describeValue(topic)} must be a non-empty string`;

function eventProblem(event: unknown): string | undefined {
  if (!isObject(event)) return objectProblem(event);
  const problem = topicProblem(event.topic);
  if (problem) return problem;
  if (event.reason !== undefined && !REASONS.includes(event.reason as string)) {
    return `reason ${describeValue(event.reason)} is unknown`;
  }
  if (event.resync !== true) return revisionAndEpochProblem(event, ['epoch', 'sourceId']);
}

function snapshotProblem(envelope: unknown): string | undefined {
  if (!isObject(envelope)) return objectProblem(envelope);
  if (!('data' in envelope)) return 'has no data field';
  return revisionAndEpochProblem(envelope, ['epoch']);
}

export function createRevisionSync<T>(options: RevisionSyncOptions<T>): RevisionSyncHandle {
  const {
    topic,
    subscriber,
    provider,
    logger = noopLogger,
    onError,
    shouldRefresh,
    schema,
  } = options;
  const applier =
    typeof options.applier === 'function' ? { apply: options.applier } : options.applier;
  const problem = topicProblem(topic);
  if (problem) throw new StateSyncError('invalid_argument', problem);
  // `run` is bumped by start() and stop(): an async continuation whose run is no longer current
  // belongs to a stopped session and must not touch state (stop quiescence).
  let run = 0;
  let phase: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';
  let startPromise: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let abort: AbortController | undefined;

  let revision: Revision = '0';
  let epoch: string | undefined;
  let applied = false;

  let status: SyncStatus = 'idle';
  const listeners = new Set<StatusListener>();

  // Coalescing state: one fetch in flight, at most one queued behind it. A queued fetch that only
  // stands for invalidations is dropped if the fetch before it already reached their revision.
  let inFlight = false;
  let queued: RefreshReason | undefined;
  let queuedForce = false;
  let queuedRevision: Revision | undefined;
  let queuedEpoch: string | undefined; // a revision means nothing without its epoch
  let waiting: Waiter[] = []; // refresh() calls for the next fetch to start
  let current: Waiter[] = []; // refresh() calls served by the fetch in flight

  const metrics = Object.fromEntries(
    'events ignored fetches applied stale subscribeErrors getSnapshotErrors protocolErrors applyErrors refreshErrors'
      .split(' ')
      .map((k) => [k, 0]),
  ) as unknown as SyncMetrics;

  /** Runs user code (callbacks, listeners, unsubscribe) so that a throw cannot break the engine. */
  function safely(fn: (() => unknown) | undefined): void {
    try {
      fn?.();
    } catch (error) {
      logger.error('callback threw', { topic, error });
    }
  }

  function report(phase: SyncPhase, error: unknown, extra?: Partial<SyncErrorContext>): unknown {
    metrics[`${phase}Errors`]++;
    logger.error(`${phase} failed`, { topic, error });
    safely(() => onError?.({ phase, topic, error, ...extra }));
    return error;
  }

  function setStatus(
    next: SyncStatus,
    info: { reason?: RefreshReason; error?: unknown } = {},
  ): void {
    if (next === status) return;
    status = next;
    for (const listener of [...listeners]) safely(() => listener(next, info));
  }

  function resetQueue(): void {
    queued = queuedRevision = queuedEpoch = undefined;
    queuedForce = false;
  }

  function request(reason: RefreshReason, target?: Revision, targetEpoch?: string): void {
    if (phase !== 'running') return; // while starting, the initial fetch after subscribe covers it
    if (!inFlight) {
      void loop(reason);
      return;
    }
    if (queued === undefined || reason === 'epoch') queued = reason;
    if (target === undefined || (queuedEpoch !== undefined && targetEpoch !== queuedEpoch)) {
      queuedForce = true;
    } else if (queuedRevision === undefined || compareRevisions(target, queuedRevision) > 0) {
      queuedRevision = target;
    }
    queuedEpoch ??= targetEpoch;
  }

  async function loop(first: RefreshReason): Promise<void> {
    const myRun = run;
    let reason: RefreshReason | undefined = first;
    inFlight = true;
    while (reason) {
      current = waiting;
      waiting = [];
      if (reason !== 'invalidation' || !applied) setStatus('syncing', { reason });
      metrics.fetches++;
      let failure: unknown;
      try {
        const envelope = await provider.getSnapshot({ signal: abort?.signal, reason });
        if (myRun !== run) return;
        failure = await accept(envelope, reason, myRun);
      } catch (error) {
        if (myRun !== run) return;
        failure = report(
          'getSnapshot',
          new StateSyncError('fetch_failed', `snapshot fetch for "${topic}" failed`, {
            cause: error,
          }),
          { reason },
        );
      }
      if (myRun !== run) return;
      for (const waiter of current.splice(0)) failure ? waiter.reject(failure) : waiter.resolve();
      if (failure) setStatus('error', { reason, error: failure });
      else if (applied) setStatus('synced', { reason });

      reason = queued;
      const skip =
        !queuedForce &&
        applied &&
        (queuedEpoch === undefined || queuedEpoch === epoch) &&
        queuedRevision !== undefined &&
        compareRevisions(queuedRevision, revision) <= 0;
      resetQueue();
      if (skip) reason = undefined;
    }
    inFlight = false;
  }

  /** Validates and applies one fetched envelope; returns the error it reported, if any. */
  async function accept(envelope: unknown, reason: RefreshReason, myRun: number): Promise<unknown> {
    const problem = snapshotProblem(envelope);
    if (problem) {
      return report(
        'protocol',
        new StateSyncError('invalid_snapshot', `snapshot for "${topic}" ${problem}`),
        { sourceEvent: envelope, reason },
      );
    }
    const env = envelope as { revision: Revision; epoch?: string; data: unknown };
    const newEpoch = env.epoch !== undefined && env.epoch !== epoch;
    if (
      applied &&
      !(newEpoch && epoch !== undefined) &&
      compareRevisions(env.revision, revision) <= 0
    ) {
      metrics.stale++;
      logger.debug('stale snapshot', { topic, revision: env.revision });
      return;
    }
    let data = env.data as T;
    if (schema) {
      const result = await schema['~standard'].validate(env.data);
      if (myRun !== run) return;
      if (result.issues) {
        const issues = result.issues.map((issue) => issue.message).join('; ');
        return report(
          'apply',
          new StateSyncError(
            'schema_rejected',
            `schema rejected "${topic}"@${env.revision}: ${issues}`,
            { cause: result.issues },
          ),
          { reason },
        );
      }
      data = result.value;
    }
    try {
      await applier.apply({ revision: env.revision, epoch: env.epoch, data });
    } catch (error) {
      return report(
        'apply',
        new StateSyncError('apply_failed', `applier threw on "${topic}"@${env.revision}`, {
          cause: error,
        }),
        { reason },
      );
    }
    if (myRun !== run) return;
    revision = env.revision;
    if (env.epoch !== undefined) epoch = env.epoch;
    applied = true;
    metrics.applied++;
    logger.debug('applied', { topic, revision, reason });
  }

  function onEvent(event: unknown): void {
    if (phase !== 'running' && phase !== 'starting') return;
    metrics.events++;
    const problem = eventProblem(event);
    if (problem) {
      report('protocol', new StateSyncError('invalid_event', `invalidation ${problem}`), {
        sourceEvent: event,
      });
      return;
    }
    const valid = event as InvalidationEvent & { resync?: true };
    if (valid.topic !== topic) {
      metrics.ignored++;
      return;
    }
    if (valid.resync) {
      request(valid.reason ?? 'reconnect');
      return;
    }
    if (shouldRefresh) {
      let wanted: boolean;
      try {
        wanted = shouldRefresh(valid);
      } catch (error) {
        report('refresh', error, { sourceEvent: event });
        wanted = true; // a throwing filter must not make the client miss a change
      }
      if (!wanted) {
        metrics.ignored++;
        return;
      }
    }
    if (valid.epoch !== undefined && epoch !== undefined && valid.epoch !== epoch) request('epoch');
    else if (applied && compareRevisions(valid.revision, revision) <= 0) metrics.ignored++;
    else request(valid.reason ?? 'invalidation', valid.revision, valid.epoch);
  }

  function refreshFor(reason: RefreshReason): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      request(reason);
    });
  }

  const handle: RevisionSyncHandle = {
    start() {
      // Until stop(), every start() shares the first one's promise: it settles with the first fetch.
      if (phase === 'running' || phase === 'starting') return startPromise!;
      phase = 'starting';
      const myRun = ++run;
      abort = new AbortController();
      setStatus('syncing', { reason: 'initial' });
      startPromise = (async () => {
        let unsub: unknown;
        try {
          unsub = await subscriber.subscribe(onEvent);
          if (typeof unsub !== 'function') {
            throw new TypeError('subscribe() must return an unsubscribe');
          }
        } catch (cause) {
          if (myRun !== run) return;
          phase = 'idle';
          abort = undefined;
          const error = new StateSyncError('subscribe_failed', `subscribing to "${topic}" failed`, {
            cause,
          });
          report('subscribe', error);
          for (const waiter of waiting.splice(0)) waiter.reject(error);
          setStatus('error', { error });
          throw error;
        }
        if (myRun !== run) {
          // stop() came while subscribe was pending (e.g. Tauri's async listen): release it now.
          safely(unsub as () => void);
          return;
        }
        unsubscribe = unsub as () => void;
        phase = 'running';
        await refreshFor('initial').catch(() => {}); // a failed first fetch is reported, not fatal
      })();
      return startPromise;
    },

    stop() {
      if (phase === 'stopped' || phase === 'idle') return;
      run++;
      phase = 'stopped';
      const error = new StateSyncError('stopped', `sync for "${topic}" stopped`);
      abort?.abort(error);
      safely(unsubscribe);
      unsubscribe = undefined;
      inFlight = false;
      resetQueue();
      for (const waiter of [...current.splice(0), ...waiting.splice(0)]) waiter.reject(error);
      setStatus('stopped');
    },

    refresh() {
      if (phase !== 'running' && phase !== 'starting') {
        return Promise.reject(
          new StateSyncError(
            phase === 'stopped' ? 'stopped' : 'not_started',
            `sync for "${topic}" is ${phase}`,
          ),
        );
      }
      return refreshFor('manual');
    },

    getLocalRevision: () => revision,
    getEpoch: () => epoch,
    getStatus: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getMetrics: () => ({ ...metrics }),
  };
  return handle;
}
