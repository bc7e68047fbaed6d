// The page's script (bundled by esbuild when the server starts): plain DOM, one engine for "board".
import { createSyncClient } from '@state-sync/websocket';
import { mountBoardPage } from './board-page';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
mountBoardPage(
  createSyncClient({
    url,
    onError: (error) => console.warn(error.code, error.message),
  }),
);
