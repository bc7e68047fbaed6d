// The page's script (bundled by esbuild when the server starts): plain DOM, one engine for
// "board", over HTTP only: an SSE stream for invalidations, GETs for snapshots, POST for ops.
// The page itself is the WebSocket demo's (same board, ops and schema): only the client differs.

import { createHttpSyncClient } from '@state-sync/http';
import { mountBoardPage } from '../../demo-server/src/board-page';

mountBoardPage(
  createHttpSyncClient({
    url: `${location.origin}/sync`,
    onError: (error) => console.warn(error.code, error.message),
  }),
);
