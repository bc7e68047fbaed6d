// `GET …/state/:topic`: the snapshot as a cacheable resource. The plain URL answers with an ETag
// (`"epoch:revision"`) and must be revalidated; the revision-addressed URL (`?e=EPOCH&r=R`) names
// bytes that never change, so it is immutable and a shared cache answers every client pulling R
// with one origin request. A URL naming a revision that is not current redirects to the current
// one (never cached), so a client never receives stale data under a newer name.
import { isRevision, type Source } from '@state-sync/core';
import { serveDelta } from './delta-route';
import { errorResponse } from './responses';

export interface SnapshotCacheEntry {
  epoch: string;
  revision: string;
  body: string;
}

export type SnapshotOutcome = 'served' | 'not_modified' | 'redirected' | 'delta' | 'bad_request';

/** `"epoch:revision"`, the epoch percent-encoded so any epoch makes a valid entity tag. */
export function entityTag(epoch: string, revision: string): string {
  return `"${encodeURIComponent(epoch)}:${revision}"`;
}

function matches(ifNoneMatch: string | null, tag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch
    .split(',')
    .map((part) => part.trim().replace(/^W\//, ''))
    .some((part) => part === tag || part === '*');
}

export function revisionPath(topic: string, epoch: string, revision: string): string {
  return `${encodeURIComponent(topic)}?e=${encodeURIComponent(epoch)}&r=${revision}`;
}

/**
 * Serves `topic` (authorised already). `cache` keeps one serialised body per topic, so N pulls of
 * one revision cost one JSON.stringify.
 */
export async function serveSnapshot(
  request: Request,
  url: URL,
  topic: string,
  source: Source,
  shared: boolean,
  cache: Map<string, SnapshotCacheEntry>,
  maxCacheEntries: number,
  extraHeaders: Record<string, string>,
): Promise<{ response: Response; outcome: SnapshotOutcome }> {
  const wantedRevision = url.searchParams.get('r');
  const wantedEpoch = url.searchParams.get('e');
  if (wantedRevision !== null && !isRevision(wantedRevision)) {
    return {
      response: errorResponse(
        'bad_request',
        `r=${JSON.stringify(String(wantedRevision).slice(0, 24))} is not a canonical revision`,
        { headers: extraHeaders },
      ),
      outcome: 'bad_request',
    };
  }
  if (url.searchParams.has('since'))
    return serveDelta(request, url, topic, source, shared, extraHeaders, (e, r) =>
      revisionPath(topic, e, r),
    );
  const envelope = await source.topic(topic).get();
  const epoch = envelope.epoch ?? (await source.getEpoch());
  let entry = cache.get(topic);
  if (!entry || entry.revision !== envelope.revision || entry.epoch !== epoch) {
    entry = {
      epoch,
      revision: envelope.revision,
      body: `{"type":"snapshot","topic":${JSON.stringify(topic)},"revision":"${envelope.revision}","epoch":${JSON.stringify(epoch)},"data":${JSON.stringify(envelope.data ?? null)}}`,
    };
    cache.delete(topic);
    // Oldest first out: any client may ask for any topic name, so the cache is bounded.
    if (cache.size >= maxCacheEntries) cache.delete(cache.keys().next().value as string);
    cache.set(topic, entry);
  }
  const tag = entityTag(entry.epoch, entry.revision);
  const vary = shared ? extraHeaders.vary : joinVary(extraHeaders.vary, 'Authorization, Cookie');
  const base: Record<string, string> = { ...extraHeaders, etag: tag, ...(vary ? { vary } : {}) };

  if (wantedRevision !== null) {
    if (wantedRevision !== entry.revision || wantedEpoch !== entry.epoch) {
      // Relative, so it resolves under whatever prefix a proxy mounts us at.
      const location = `./${revisionPath(topic, entry.epoch, entry.revision)}`;
      return {
        response: new Response(null, {
          status: 307,
          headers: { ...extraHeaders, location, 'cache-control': 'no-store' },
        }),
        outcome: 'redirected',
      };
    }
  }
  const immutable = wantedRevision !== null;
  const cacheControl = shared
    ? immutable
      ? 'public, max-age=31536000, immutable'
      : 'no-cache'
    : 'private, no-cache';
  const headers = { ...base, 'cache-control': cacheControl };
  if (matches(request.headers.get('if-none-match'), tag)) {
    return { response: new Response(null, { status: 304, headers }), outcome: 'not_modified' };
  }
  return {
    response: new Response(request.method === 'HEAD' ? null : entry.body, {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    }),
    outcome: 'served',
  };
}

function joinVary(a: string | undefined, b: string): string {
  return a ? `${a}, ${b}` : b;
}
