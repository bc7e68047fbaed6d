// Connects to the demo server (URL from `?ws=`, default ws://127.0.0.1:8787) and syncs the board.
import { syncPiniaStore } from '@state-sync/pinia';
import { createSyncClient } from '@state-sync/websocket';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { type Board, useBoard } from './board';

const url = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:8787';
const client = createSyncClient({ url });

const pinia = createPinia();
const board = useBoard(pinia);
const sync = syncPiniaStore(board, {
  topic: 'board',
  subscriber: client.subscriber('board'),
  provider: client.provider<Board>('board'),
  omit: ['draft'],
});

createApp(App, { client, sync }).use(pinia).mount('#app');
void sync.start();
