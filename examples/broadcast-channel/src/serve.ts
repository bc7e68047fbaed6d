// `pnpm start`: serves the demo for a human; open the URL in several tabs.
import { servePage } from './server';

const server = await servePage(Number(process.env.PORT ?? 5175));
console.log(`Broadcast-channel demo: open ${server.url} in several tabs (Ctrl+C to stop)`);
process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
