// The client's one event stream: opened with every topic it needs, reopened (at once) when a
// topic is added, reconnected with backoff and jitter when it drops, declared dead after
// 2 × heartbeatMs of silence. Frames are validated and handed to `onMessage`.
import {
  beaconMessageSchema,
  errorMessageSchema,
  helloMessageSchema,
  invalidateMessageSchema,
  parseFrame,
} from '@state-sync/protocol';
import { StateSyncHttpError } from './errors';
import { readEventStream } from './event-stream';
import { errorOf, type RequestContext } from './http-requests';

const streamSchemas = {
  hello: helloMessageSchema,
  invalidate: invalidateMessageSchema,
  beacon: beaconMessageSchema,
  error: errorMessageSchema,
};
export type StreamMessage =
  ReturnType<typeof parseStreamFrame> extends infer R
    ? R extends { ok: true; message: infer M }
      ? M
      : never
    : never;
function parseStreamFrame(data: string) {
  return parseFrame(streamSchemas, data);
}

export interface ConnectionOptions {
  request: RequestContext;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: number;
  random: () => number;
  connectTimeoutMs: number;
  maxEventBytes: number;
  /** Topics the stream must carry right now. */
  topics(): string[];
  /** `features=` announced on the stream URL (push), or undefined for none. */
  features: string | undefined;
  /** The `Last-Event-ID` of a stream opened after a drop (see sse-resume.ts), if any. */
  resumeId(topics: ReadonlySet<string>): string | undefined;
  /** A validated frame; `resumed` is true for frames of a stream opened after a drop. */
  onMessage(message: StreamMessage, resumed: boolean): void;
  onLive(topics: ReadonlySet<string>): void;
  onDown(): void;
  onInvalidFrame(problem: string): void;
  report(error: StateSyncHttpError): void;
}

type Attempt = { abort: AbortController; topics: Set<string>; live: boolean; resumed: boolean };

const MAX_TIMER_MS = 2_147_483_647;
/** Above this many characters a topic list goes in a POST body: proxies cap URLs near 8 KiB. */
const MAX_URL_LENGTH = 4000;

export function createEventConnection(options: ConnectionOptions) {
  let current: Attempt | undefined;
  let closed = false;
  let dropped = false; // a stream was lost since the last live one: the next one resumes
  let attempt = 0;
  let heartbeatMs = 0;
  let lastEventId: string | undefined;
  let lastFrameAt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let deadTimer: ReturnType<typeof setTimeout> | undefined;

  function armDead(ms: number): void {
    globalThis.clearTimeout(deadTimer);
    deadTimer = globalThis.setTimeout(
      () => {
        const live = current?.live === true;
        options.report(
          new StateSyncHttpError(
            live ? 'heartbeat_timeout' : 'timeout',
            live
              ? `no event from the server for ${ms} ms (2 × heartbeatMs): reconnecting`
              : `the event stream did not open within ${ms} ms: reconnecting`,
          ),
        );
        fail();
      },
      Math.min(ms, MAX_TIMER_MS),
    );
  }

  /** The current stream is gone: back off and try again. */
  function fail(): void {
    if (!current) return;
    current.abort.abort();
    current = undefined;
    dropped = true;
    globalThis.clearTimeout(deadTimer);
    options.onDown();
    if (closed || retryTimer !== undefined) return;
    const delay = Math.round(
      Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt) *
        (1 - options.jitter * options.random()),
    );
    attempt++;
    retryTimer = globalThis.setTimeout(() => {
      retryTimer = undefined;
      void open();
    }, delay);
  }

  function onFrame(mine: Attempt, data: string, id: string | undefined): void {
    lastFrameAt = Date.now();
    const parsed = parseStreamFrame(data);
    if (!parsed.ok) {
      options.onInvalidFrame(parsed.problem);
      return;
    }
    const message = parsed.message;
    if (message.type === 'hello') {
      heartbeatMs = message.heartbeatMs;
      mine.live = true;
      dropped = false;
      options.onLive(mine.topics);
    }
    if (mine.live) armDead(2 * heartbeatMs);
    if (message.type === 'invalidate' && id !== undefined) lastEventId = id;
    options.onMessage(message, mine.resumed);
  }

  async function open(): Promise<void> {
    if (closed || current) return;
    const mine: Attempt = {
      abort: new AbortController(),
      topics: new Set(options.topics()),
      live: false,
      resumed: dropped,
    };
    current = mine;
    let broken = false; // ended by a problem already reported
    armDead(options.connectTimeoutMs);
    const { request } = options;
    try {
      const headers: Record<string, string> = {
        ...(await request.headers()),
        accept: 'text/event-stream',
      };
      if (mine.resumed) {
        const id = options.resumeId(mine.topics) ?? lastEventId;
        if (id !== undefined) headers['last-event-id'] = id;
      }
      const query = [...mine.topics].map((t) => `topic=${encodeURIComponent(t)}`).join('&');
      const long = query.length > MAX_URL_LENGTH;
      const features = options.features ? `features=${options.features}` : '';
      const search = [long ? '' : query, features].filter((part) => part !== '').join('&');
      const response = await request.fetch(`${request.base}/events${search ? `?${search}` : ''}`, {
        method: long ? 'POST' : 'GET',
        headers: long ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(long ? { body: JSON.stringify({ topics: [...mine.topics] }) } : {}),
        signal: mine.abort.signal,
        cache: 'no-store',
        ...(request.credentials ? { credentials: request.credentials } : {}),
      });
      if (current !== mine) return;
      if (!response.ok || !response.body) {
        options.report(await errorOf(response, 'opening the event stream'));
        fail();
        return;
      }
      await readEventStream(response.body, options.maxEventBytes, {
        onEvent: (data, id) => {
          if (current === mine) onFrame(mine, data, id);
        },
        onComment: () => {
          if (current !== mine) return;
          lastFrameAt = Date.now();
          attempt = 0; // it lived a heartbeat: a drop now is not a flapping server
          if (mine.live) armDead(2 * heartbeatMs);
        },
        onProblem: (problem) => {
          broken = true;
          options.report(new StateSyncHttpError('too_large', problem));
        },
      });
      if (current === mine && !closed && !broken)
        options.report(
          new StateSyncHttpError('disconnected', 'the event stream ended: reconnecting'),
        );
    } catch (cause) {
      if (current === mine && !closed)
        options.report(
          new StateSyncHttpError('disconnected', 'the event stream failed: reconnecting', {
            cause,
          }),
        );
    }
    if (current === mine) fail();
  }

  return {
    /** Opens a stream now, or reopens it when its topics are not the wanted ones (not while backing off). */
    sync(): void {
      if (closed || retryTimer !== undefined) return;
      if (current) {
        const wanted = options.topics();
        // Exactly the wanted set: a dropped topic must release its listener on the server too.
        if (wanted.length === current.topics.size && wanted.every((t) => current!.topics.has(t)))
          return;
        current.abort.abort(); // replaced, not dropped: no backoff, no resume
        current = undefined;
      }
      void open();
    },
    /** Skip the backoff (the network came back), or reconnect a stream silent for too long. */
    wake(): boolean {
      if (closed) return false;
      if (!current?.live) {
        globalThis.clearTimeout(retryTimer);
        retryTimer = undefined;
        attempt = 0;
        void open();
        return false;
      }
      if (Date.now() - lastFrameAt > 2 * heartbeatMs) {
        fail();
        return false;
      }
      return true;
    },
    isLive: (topic: string) => current?.live === true && current.topics.has(topic),
    isBackingOff: () => retryTimer !== undefined,
    close(): void {
      closed = true;
      globalThis.clearTimeout(retryTimer);
      globalThis.clearTimeout(deadTimer);
      retryTimer = deadTimer = undefined;
      current?.abort.abort();
      current = undefined;
    },
  };
}

export type EventConnection = ReturnType<typeof createEventConnection>;
