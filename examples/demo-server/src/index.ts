// startDemoServer: a source (memory by default, or the store given) with the "board" topic, a state-sync WebSocket server on every
// path of one http server, and a plain-DOM page at `/`; `/dashboard` is seed 004's page, written
// through mutators (optimistic, exactly once). Any Origin may connect (it is a demo: the
// Vue and React examples are served from other ports).
import { createServer, type Server } from 'node:http';
import { createSource, type SourceStore } from '@state-sync/core';
import { diffStates } from '@state-sync/protocol/diff';
import { StateSyncWebSocketError } from '@state-sync/websocket';
import { createSyncServer } from '@state-sync/websocket/server';
import { applyBoardOp, BOARD_TOPIC, type Board, boardOpSchema, initialBoard } from './board';

export {
  DASHBOARD_TOPIC,
  type Dashboard,
  dashboardMutators,
  demoMutators,
  MAX_WIDGETS,
  type Widget,
} from './dashboard';

import { demoMutators } from './dashboard';
import { DASHBOARD_HTML } from './dashboard-page';
import { bundleBrowserScript, PAGE_HTML } from './page';

export {
  applyBoardOp,
  BOARD_TOPIC,
  type Board,
  type BoardOp,
  boardOpSchema,
  boardSchema,
  initialBoard,
} from './board';

export interface DemoServerOptions {
  /** Default: env PORT, else 8787. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where the board is kept. Default: a memory store (a restart starts from the initial board). */
  store?: SourceStore;
}

export interface DemoServer {
  /** http://127.0.0.1:PORT — the page. */
  url: string;
  /** ws://127.0.0.1:PORT — the sync endpoint (any path works). */
  wsUrl: string;
  close(): Promise<void>;
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8787);
  const host = options.host ?? '127.0.0.1';
  const [script, dashboardScript] = await Promise.all([
    bundleBrowserScript(),
    bundleBrowserScript('dashboard-browser.ts'),
  ]);
  // With a diff, every write records its change: clients get deltas pushed and resume with one.
  const source = createSource({ store: options.store, diff: diffStates });
  const board = source.topic<Board>(BOARD_TOPIC, { initial: initialBoard });

  const files: Record<string, [string, string]> = {
    '/': ['text/html', PAGE_HTML],
    '/client.js': ['text/javascript', script],
    '/dashboard': ['text/html', DASHBOARD_HTML],
    '/dashboard.js': ['text/javascript', dashboardScript],
  };
  const http: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = Object.hasOwn(files, path) ? files[path] : undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (file) {
      response
        .writeHead(200, {
          'content-type': `${file[0]}; charset=utf-8`,
          'cache-control': 'no-store',
        })
        .end(file[1]);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });

  const sync = await createSyncServer({
    source,
    server: http,
    beaconMs: 10_000,
    mutators: demoMutators, // the dashboard topic; the board keeps its untyped ops below
    onMutate: async ({ topic, op }) => {
      if (topic !== BOARD_TOPIC)
        throw new StateSyncWebSocketError('rejected', `topic "${topic}" accepts no mutations`);
      const parsed = boardOpSchema.safeParse(op);
      if (!parsed.success) {
        throw new StateSyncWebSocketError(
          'invalid_op',
          `invalid op: ${parsed.error.issues[0]?.message ?? 'unknown'}`,
        );
      }
      return board.update((current) => applyBoardOp(current, parsed.data));
    },
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${actual}`;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}`,
    close() {
      closing ??= (async () => {
        await sync.close('demo server stopped');
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        await source.close();
      })();
      return closing;
    },
  };
}
