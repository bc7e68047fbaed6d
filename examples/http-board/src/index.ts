// startHttpBoard: the demo board over HTTP only. A memory source with the "board" topic, the
// state-sync Fetch handler at /sync (SSE invalidations with deltas, cacheable snapshots, POST mutate), and a
// plain-DOM page at `/`; one node:http server, no WebSocket.
import { createServer, type Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSource } from '@state-sync/core';
import { createHttpSyncHandler, StateSyncHttpError, toNodeListener } from '@state-sync/http/server';
import { diffStates } from '@state-sync/protocol/diff';
import {
  applyBoardOp,
  BOARD_TOPIC,
  type Board,
  boardOpSchema,
  initialBoard,
} from '../../demo-server/src/board';
import { bundleBrowserScript } from '../../demo-server/src/page';
import { PAGE_HTML } from './page';

const here = dirname(fileURLToPath(import.meta.url));

export interface HttpBoard {
  /** http://127.0.0.1:PORT — the page; the sync routes are under /sync. */
  url: string;
  close(): Promise<void>;
}

export async function startHttpBoard(
  options: { port?: number; host?: string } = {},
): Promise<HttpBoard> {
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8788);
  const host = options.host ?? '127.0.0.1';
  const script = await bundleBrowserScript(resolve(here, 'browser.ts'));
  // Writes record their ops, so each invalidation carries the change (the small board whole, a
  // larger state as a delta) and the tabs apply it without a request; a tab back from a drop
  // resumes from the delta log.
  const source = createSource({ diff: diffStates });
  const board = source.topic<Board>(BOARD_TOPIC, { initial: initialBoard });
  const sync = createHttpSyncHandler({
    source,
    basePath: '/sync',
    heartbeatMs: 10_000,
    onMutate: async ({ topic, op }) => {
      if (topic !== BOARD_TOPIC)
        throw new StateSyncHttpError('rejected', `topic "${topic}" accepts no mutations`);
      const parsed = boardOpSchema.safeParse(op);
      if (!parsed.success)
        throw new StateSyncHttpError(
          'rejected',
          `invalid op: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
        );
      return board.update((current) => applyBoardOp(current, parsed.data));
    },
  });
  const syncListener = toNodeListener(sync);
  const http: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/sync/')) return syncListener(request, response);
    const body = path === '/' ? PAGE_HTML : path === '/client.js' ? script : undefined;
    if (body === undefined) return void response.writeHead(404).end('not found\n');
    const type = path === '/' ? 'text/html' : 'text/javascript';
    response
      .writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' })
      .end(body);
  });
  await new Promise<void>((ready, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => ready());
  });
  const address = http.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${actual}`,
    async close() {
      await sync.close();
      await new Promise<void>((done) => {
        http.close(() => done());
        http.closeAllConnections();
      });
      await source.close();
    },
  };
}
