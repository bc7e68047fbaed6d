// `GET …/events` (or `POST` with a topic list): validates the topics, authorises each, reads the
// announced push features and the `Last-Event-ID` to resume from, and opens the stream.
import {
  commonFeatures,
  PROTOCOL_FEATURES,
  type ProtocolFeature,
  topicNameProblem,
} from '@state-sync/protocol';
import type { Access } from './access';
import { StateSyncHttpError } from './errors';
import type { EventHub } from './event-hub';
import type { ResolvedLimits } from './options';
import { readBody } from './responses';
import { parseResumeId, type ResumePosition } from './sse-resume';

export interface EventsCounters {
  forbidden: number;
  resumed: number;
  badResumeIds: number;
}

/** The validated, de-duplicated topics a stream request names; throws naming the problem. */
export async function topicsOf(
  request: Request,
  url: URL,
  limits: ResolvedLimits,
): Promise<string[]> {
  const names: string[] = [];
  for (const list of url.searchParams.getAll('topics'))
    if (list !== '') names.push(...list.split(','));
  names.push(...url.searchParams.getAll('topic'));
  if (request.method === 'POST') {
    // For topic lists too long for a URL (proxies cap request lines near 8 KiB).
    const text = await readBody(request, limits.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new StateSyncHttpError('bad_request', 'the event stream body is not JSON');
    }
    const topics = (body as { topics?: unknown } | null)?.topics;
    if (!Array.isArray(topics))
      throw new StateSyncHttpError('bad_request', 'the event stream body needs { topics: [...] }');
    names.push(...(topics as string[]));
  }
  const unique = [...new Set(names)];
  if (unique.length > limits.maxTopicsPerConnection) {
    throw new StateSyncHttpError(
      'too_many_topics',
      `${unique.length} topics exceed maxTopicsPerConnection (${limits.maxTopicsPerConnection})`,
    );
  }
  for (const name of unique) {
    const problem = topicNameProblem(name);
    if (problem !== undefined) throw new StateSyncHttpError('invalid_topic', problem);
  }
  return unique;
}

/** What the client announced in `features=delta,inline,resume`, when the server pushes at all. */
function featuresOf(url: URL, limits: ResolvedLimits): ProtocolFeature[] {
  if (!limits.push) return [];
  const announced = url.searchParams.get('features');
  return announced === null ? [] : commonFeatures(PROTOCOL_FEATURES, announced.split(',', 8));
}

/** Opens the stream for an authenticated principal; the caller maps thrown errors to answers. */
export async function openEvents<P>(
  request: Request,
  url: URL,
  principal: P,
  topics: string[],
  context: {
    access: Access<P>;
    hub: EventHub<P>;
    limits: ResolvedLimits;
    counters: EventsCounters;
    report: (error: StateSyncHttpError) => void;
  },
): Promise<ReadableStream<Uint8Array>> {
  const { access, hub, counters } = context;
  const granted: string[] = [];
  const refused: { topic: string; code: string; message: string }[] = [];
  await Promise.all(
    topics.map(async (topic) => {
      if (await access.allowed(principal, topic)) granted.push(topic);
      else {
        counters.forbidden++;
        refused.push({ topic, code: 'forbidden', message: `topic "${topic}" is not allowed` });
      }
    }),
  );
  const features = featuresOf(url, context.limits);
  const lastEventId = request.headers.get('last-event-id');
  let position: ResumePosition | undefined;
  if (lastEventId !== null) {
    counters.resumed++;
    const parsed = parseResumeId(lastEventId, new Set(granted));
    if ('problem' in parsed) {
      // A bad id costs the client its resume, never its stream: the beacon's pulls cover it.
      counters.badResumeIds++;
      context.report(new StateSyncHttpError('bad_request', `${parsed.problem}: ignored`));
    } else if (parsed.revisions.size > 0) position = parsed;
  }
  return hub.open(principal, granted, refused, request.signal, features, position);
}
