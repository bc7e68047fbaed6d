// `pnpm --filter @state-sync/example-http-board start`: the board over HTTP on 127.0.0.1:8788.
import { startHttpBoard } from './index';

const board = await startHttpBoard();
console.log(`state-sync board over HTTP: open ${board.url} in two tabs (Ctrl-C stops it)`);
process.on('SIGINT', () => void board.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void board.close().then(() => process.exit(0)));
