// `GET …/state/:topic?e=EPOCH&r=R&since=S`: the change from S to R as one delta from the source's
// delta log. Its bytes never change (the log of one epoch is append-only), so it is as cacheable as
// the revision-addressed snapshot: N clients back from the same disconnect cost one origin request.
// When R is not current the answer redirects to the delta that ends at the current revision, and
// when the log does not reach back (or the delta is not smaller than the state) to the snapshot.
import { isRevision, type Source } from '@state-sync/core';
import { resumeDelta } from '@state-sync/protocol';
import { errorResponse } from './responses';

export function deltaPath(topic: string, epoch: string, revision: string, since: string): string {
  return `${encodeURIComponent(topic)}?e=${encodeURIComponent(epoch)}&r=${revision}&since=${since}`;
}

export type DeltaOutcome = 'delta' | 'redirected' | 'bad_request';

export async function serveDelta(
  request: Request,
  url: URL,
  topic: string,
  source: Source,
  shared: boolean,
  headers: Record<string, string>,
  snapshotPath: (epoch: string, revision: string) => string,
): Promise<{ response: Response; outcome: DeltaOutcome }> {
  const since = url.searchParams.get('since') as string;
  const epoch = url.searchParams.get('e');
  const revision = url.searchParams.get('r');
  if (!isRevision(since) || epoch === null || revision === null) {
    return {
      response: errorResponse(
        'bad_request',
        `since=${JSON.stringify(since.slice(0, 24))} needs a canonical revision with e= and r=`,
        { headers },
      ),
      outcome: 'bad_request',
    };
  }
  const delta = await resumeDelta(source, topic, { epoch, revision: since });
  if (delta && delta.revision === revision) {
    const head = JSON.stringify({ type: 'snapshot', topic, revision, epoch });
    return {
      response: new Response(
        request.method === 'HEAD' ? null : `${head.slice(0, -1)},"delta":${delta.json}}`,
        {
          status: 200,
          headers: {
            ...headers,
            'content-type': 'application/json; charset=utf-8',
            'cache-control': shared ? 'public, max-age=31536000, immutable' : 'private, no-cache',
            ...(shared
              ? {}
              : {
                  vary: headers.vary
                    ? `${headers.vary}, Authorization, Cookie`
                    : 'Authorization, Cookie',
                }),
          },
        },
      ),
      outcome: 'delta',
    };
  }
  let location: string;
  if (delta) location = deltaPath(topic, delta.epoch, delta.revision, since);
  else {
    const current = await source.topic(topic).get();
    location = snapshotPath(current.epoch ?? (await source.getEpoch()), current.revision);
  }
  return {
    response: new Response(null, {
      status: 307,
      // Relative, so it resolves under whatever prefix a proxy mounts us at.
      headers: { ...headers, location: `./${location}`, 'cache-control': 'no-store' },
    }),
    outcome: 'redirected',
  };
}
