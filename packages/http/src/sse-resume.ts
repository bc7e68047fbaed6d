// Resume of an event stream from `Last-Event-ID`. On a stream of one topic the id is the
// `epoch:revision` of the last `invalidate` (what EventSource sends back by itself). A stream of
// many topics needs every topic's position, so its form is `epoch:` followed by `topic=revision`
// pairs joined by `&`, each topic percent-encoded (`e1:board=12&chat%2F1=7`); an id of the
// single-topic form on such a stream is ambiguous and ignored (the beacon's pulls cover it).
import { isRevision } from '@state-sync/core';
import { isTopicName } from '@state-sync/protocol';

/** Longest `Last-Event-ID` read; a longer one is ignored (proxies cap headers near 8 KiB). */
export const MAX_RESUME_ID_LENGTH = 8192;

export interface ResumePosition {
  epoch: string;
  /** Topic → the revision the client holds. */
  revisions: Map<string, string>;
}

/**
 * The positions `id` names for the stream's `topics`, or a problem naming what is wrong. Topics
 * the stream does not carry are ignored.
 */
export function parseResumeId(
  id: string,
  topics: ReadonlySet<string>,
): ResumePosition | { problem: string } {
  if (id.length > MAX_RESUME_ID_LENGTH)
    return {
      problem: `Last-Event-ID is ${id.length} characters (at most ${MAX_RESUME_ID_LENGTH})`,
    };
  // Topics are percent-encoded, so the last ':' ends the epoch in both forms.
  const colon = id.lastIndexOf(':');
  if (colon <= 0)
    return { problem: 'Last-Event-ID is not "epoch:revision" or "epoch:topic=revision&…"' };
  const epoch = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  const revisions = new Map<string, string>();
  if (!rest.includes('=')) {
    if (!isRevision(rest))
      return {
        problem: `Last-Event-ID revision "${id.slice(colon + 1, colon + 25)}" is not canonical`,
      };
    if (topics.size === 1) revisions.set([...topics][0] as string, rest);
    return { epoch, revisions };
  }
  for (const pair of rest.split('&')) {
    const at = pair.lastIndexOf('=');
    if (at <= 0)
      return { problem: `Last-Event-ID pair "${pair.slice(0, 60)}" is not topic=revision` };
    let topic: string;
    try {
      topic = decodeURIComponent(pair.slice(0, at));
    } catch {
      return { problem: 'Last-Event-ID has a topic that is not valid percent-encoding' };
    }
    const revision = pair.slice(at + 1);
    if (!isTopicName(topic) || !isRevision(revision))
      return { problem: `Last-Event-ID pair "${pair.slice(0, 60)}" is not topic=revision` };
    if (topics.has(topic)) revisions.set(topic, revision);
  }
  return { epoch, revisions };
}

/** The id a client sends for `positions` (at most `MAX_RESUME_ID_LENGTH` characters; the rest pull). */
export function formatResumeId(
  epoch: string,
  positions: ReadonlyMap<string, string>,
  streamTopics: number,
): string | undefined {
  if (positions.size === 0) return undefined;
  if (streamTopics === 1 && positions.size === 1) return `${epoch}:${[...positions.values()][0]}`;
  let id = `${epoch}:`;
  let first = true;
  for (const [topic, revision] of positions) {
    const pair = `${encodeURIComponent(topic)}=${revision}`;
    if (id.length + pair.length + 1 > MAX_RESUME_ID_LENGTH / 2) break;
    id += first ? pair : `&${pair}`;
    first = false;
  }
  return first ? undefined : id;
}
