// `createHttpSyncHandler`: one Fetch API handler, `(request: Request) => Promise<Response>`, for
// the three routes (events, state, mutate). It runs wherever `Request`/`Response` exist: Node
// (through `toNodeListener`), Bun, Deno, workers, Hono.
import { topicNameProblem } from '@state-sync/protocol';
import { createAccess, type Refusal } from './access';
import { corsHeaders, originAllowed, preflightHeaders } from './cors';
import { STATUS_OF, StateSyncHttpError, wireMessage } from './errors';
import { createEventHub, type EventStreamInfo, type HubMetrics } from './event-hub';
import { openEvents, topicsOf } from './events-route';
import { createMutatorRoute, readMutateBody, runMutate, type WriteCounters } from './mutate-route';
import { type HttpSyncHandlerOptions, resolveLimits } from './options';
import { errorResponse } from './responses';
import { type SnapshotCacheEntry, serveSnapshot } from './snapshot-route';

export interface HttpSyncMetrics extends HubMetrics, WriteCounters {
  requests: number;
  unauthorized: number;
  forbidden: number;
  badRequests: number;
  tooLarge: number;
  tooManyConnections: number;
  tooManyTopics: number;
  refusedOrigins: number;
  snapshotsServed: number;
  /** Revision-addressed deltas served (`?since=`), each instead of a snapshot. */
  deltasServed: number;
  notModified: number;
  redirects: number;
  mutations: number;
  /** Event streams opened with a Last-Event-ID (a client resuming). */
  resumed: number;
  /** Last-Event-ID values that were malformed (ignored: the stream opens without resume). */
  badResumeIds: number;
}

export interface HttpSyncHandler<P = unknown> {
  (request: Request): Promise<Response>;
  getMetrics(): HttpSyncMetrics;
  /** The open event streams, for diagnostics and tests. */
  streams(): EventStreamInfo<P>[];
  /** Topics with a source listener attached right now. */
  watchedTopics(): string[];
  /** Ends every event stream and refuses new requests with 503; releases timers and listeners. */
  close(): Promise<void>;
}

export function createHttpSyncHandler<P = unknown>(
  options: HttpSyncHandlerOptions<P>,
): HttpSyncHandler<P> {
  const { source, authenticate, authorize, onMutate, cors } = options;
  if (typeof source?.topic !== 'function') {
    throw new StateSyncHttpError(
      'invalid_argument',
      'options.source must be a Source from createSource()',
    );
  }
  const limits = resolveLimits(options);
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const anyAuth = authenticate !== undefined || authorize !== undefined;
  const isPublic = options.isPublic ?? (() => !anyAuth);
  const hub = createEventHub<P>(source, limits, limits, report);
  const access = createAccess<P>(options, report);
  const snapshots = new Map<string, SnapshotCacheEntry>();
  let opening = 0;
  let closing = false;
  const counters = {
    requests: 0,
    unauthorized: 0,
    forbidden: 0,
    badRequests: 0,
    tooLarge: 0,
    tooManyConnections: 0,
    tooManyTopics: 0,
    refusedOrigins: 0,
    snapshotsServed: 0,
    deltasServed: 0,
    notModified: 0,
    redirects: 0,
    mutations: 0,
    resumed: 0,
    badResumeIds: 0,
    mutationsApplied: 0,
    mutationsDuplicate: 0,
    mutationsRejected: 0,
    mutationsFailed: 0,
  };
  const mutators = createMutatorRoute(source, options.mutators, counters, report);

  function report(error: StateSyncHttpError): void {
    try {
      options.onError?.(error);
    } catch {
      // a throwing onError must not break the server
    }
  }

  function refuse(refusal: Refusal, headers: Record<string, string>, status?: number): Response {
    if (refusal.code === 'unauthorized') counters.unauthorized++;
    else if (refusal.code === 'forbidden') counters.forbidden++;
    else if (refusal.code === 'too_large') counters.tooLarge++;
    else if (refusal.code === 'too_many_topics') counters.tooManyTopics++;
    else if (refusal.code === 'too_many_connections') counters.tooManyConnections++;
    else if (refusal.code !== 'internal') counters.badRequests++;
    return errorResponse(refusal.code, refusal.message, {
      ...(refusal.topic === undefined ? {} : { topic: refusal.topic }),
      ...(status === undefined ? {} : { status }),
      headers,
    });
  }

  function fromError(cause: unknown, headers: Record<string, string>, what: string): Response {
    if (cause instanceof StateSyncHttpError && cause.code in STATUS_OF) {
      return refuse(
        {
          code: cause.code,
          message: wireMessage(cause),
          ...(cause.topic ? { topic: cause.topic } : {}),
        },
        headers,
        cause.status,
      );
    }
    report(new StateSyncHttpError('internal', `${what} failed`, { cause }));
    return refuse({ code: 'internal', message: `${what} failed` }, headers);
  }

  async function events(request: Request, url: URL, headers: Record<string, string>) {
    if (hub.count() + opening >= limits.maxConnections) {
      return refuse(
        {
          code: 'too_many_connections',
          message: `${limits.maxConnections} event streams are open (maxConnections): retry later`,
        },
        { ...headers, 'retry-after': '5' },
      );
    }
    opening++;
    try {
      const topics = await topicsOf(request, url, limits);
      const who = await access.principalOf(request);
      if ('refusal' in who) return refuse(who.refusal, headers, who.status);
      const body = await openEvents(request, url, who.principal, topics, {
        access,
        hub,
        limits,
        counters,
        report,
      });
      return new Response(body, {
        status: 200,
        headers: {
          ...headers,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store, no-transform',
          // nginx buffers proxied responses by default; an event stream must not wait in a buffer.
          'x-accel-buffering': 'no',
        },
      });
    } catch (cause) {
      return fromError(cause, headers, 'opening an event stream');
    } finally {
      opening--;
    }
  }

  async function state(
    request: Request,
    url: URL,
    encoded: string,
    headers: Record<string, string>,
  ) {
    let topic: string;
    try {
      topic = decodeURIComponent(encoded);
    } catch {
      return refuse(
        { code: 'invalid_topic', message: 'the topic in the URL is not valid percent-encoding' },
        headers,
      );
    }
    const problem = topicNameProblem(topic);
    if (problem !== undefined) return refuse({ code: 'invalid_topic', message: problem }, headers);
    const who = await access.principalOf(request);
    if ('refusal' in who) return refuse(who.refusal, headers, who.status);
    if (!(await access.allowed(who.principal, topic)))
      return refuse(
        { code: 'forbidden', message: `topic "${topic}" is not allowed`, topic },
        headers,
      );
    try {
      const { response, outcome } = await serveSnapshot(
        request,
        url,
        topic,
        source,
        isPublic(topic) === true,
        snapshots,
        limits.snapshotCacheEntries,
        headers,
      );
      if (outcome === 'served') counters.snapshotsServed++;
      else if (outcome === 'delta') counters.deltasServed++;
      else if (outcome === 'not_modified') counters.notModified++;
      else if (outcome === 'redirected') counters.redirects++;
      else counters.badRequests++;
      return response;
    } catch (cause) {
      return fromError(cause, headers, `reading "${topic}"`);
    }
  }

  async function mutate(request: Request, headers: Record<string, string>) {
    if (!onMutate && !mutators)
      return refuse(
        {
          code: 'unsupported',
          message: 'this server accepts no mutate (no mutators, no onMutate)',
        },
        headers,
      );
    try {
      const who = await access.principalOf(request);
      if ('refusal' in who) return refuse(who.refusal, headers, who.status);
      const body = await readMutateBody(request, limits.maxBodyBytes);
      const kind = body.name === undefined ? 'op' : 'mutator';
      if (kind === 'op' ? !onMutate : !mutators)
        return refuse(
          {
            code: 'unsupported',
            message:
              kind === 'op'
                ? 'this server takes mutators only (no onMutate): send { name, args, clientId, seq }'
                : 'this server has no mutators: send { op } for its onMutate',
            topic: body.topic,
          },
          headers,
        );
      if (!(await access.allowed(who.principal, body.topic)))
        return refuse(
          { code: 'forbidden', message: `topic "${body.topic}" is not allowed`, topic: body.topic },
          headers,
        );
      counters.mutations++;
      if (kind === 'mutator')
        return await mutators!(body, headers, () => options.clientScope?.(who.principal));
      return await runMutate(
        onMutate!,
        {
          principal: who.principal,
          topic: body.topic,
          op: body.op,
          baseRevision: body.baseRevision,
          source,
          request,
        },
        headers,
      );
    } catch (cause) {
      return fromError(cause, headers, 'mutate');
    }
  }

  function route(
    request: Request,
    url: URL,
    headers: Record<string, string>,
  ): Promise<Response> | Response {
    const path = url.pathname.slice(basePath.length);
    const method = request.method;
    const wrongMethod = (allow: string) =>
      refuse(
        { code: 'bad_request', message: `${method} is not allowed here (${allow})` },
        { ...headers, allow },
        405,
      );
    if (path === '/events') {
      return method === 'GET' || method === 'POST'
        ? events(request, url, headers)
        : wrongMethod('GET, POST');
    }
    if (path.startsWith('/state/') && path.length > 7) {
      return method === 'GET' || method === 'HEAD'
        ? state(request, url, path.slice(7), headers)
        : wrongMethod('GET, HEAD');
    }
    if (path === '/mutate')
      return method === 'POST' ? mutate(request, headers) : wrongMethod('POST');
    return refuse(
      { code: 'not_found', message: `no state-sync route at ${url.pathname}` },
      headers,
    );
  }

  const handler = async (request: Request): Promise<Response> => {
    counters.requests++;
    const url = new URL(request.url);
    if (basePath !== '' && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
      return refuse({ code: 'not_found', message: `no state-sync route at ${url.pathname}` }, {});
    const origin = request.headers.get('origin');
    let headers: Record<string, string> = {};
    if (cors && origin !== null) {
      if (!originAllowed(cors, origin)) {
        counters.refusedOrigins++;
        report(
          new StateSyncHttpError('forbidden', `origin ${JSON.stringify(origin)} is not allowed`),
        );
        return refuse({ code: 'forbidden', message: 'origin not allowed' }, { vary: 'Origin' });
      }
      if (request.method === 'OPTIONS')
        return new Response(null, { status: 204, headers: preflightHeaders(cors, origin) });
      headers = { ...corsHeaders(cors, origin), vary: 'Origin' };
    } else if (cors) {
      headers = { vary: 'Origin' };
    }
    if (closing)
      return refuse(
        { code: 'too_many_connections', message: 'the server is shutting down' },
        headers,
      );
    return route(request, url, headers);
  };

  return Object.assign(handler, {
    getMetrics: (): HttpSyncMetrics => ({ ...hub.metrics(), ...counters }),
    streams: () => hub.streams(),
    watchedTopics: () => hub.watchedTopics(),
    async close() {
      closing = true;
      hub.closeAll();
      snapshots.clear();
    },
  });
}
