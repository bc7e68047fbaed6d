// `pnpm demo`: starts the demo server (page + WebSocket on 127.0.0.1:8787, PORT overrides) and a
// Node client printing every update. tsx runs the TypeScript sources: no build step. Ctrl-C stops
// it; DEMO_EXIT_AFTER_MS=5000 makes it stop by itself (smoke tests).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(
  'tsx',
  [
    '--tsconfig',
    join(root, 'tsconfig.json'),
    join(root, 'examples/demo-server/src/cli.ts'),
    // `pnpm demo --store sqlite --db FILE` reaches the demo's own flags.
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    shell: false,
  },
);
// Ctrl-C reaches the child through the terminal's process group; forward SIGTERM ourselves.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
