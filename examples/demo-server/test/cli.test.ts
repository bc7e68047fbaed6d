// `pnpm demo` end to end: the script starts, the Node client prints updates, it stops by itself.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

it('scripts/demo.mjs starts the server and a Node client that prints updates, and exits cleanly', async () => {
  const child = spawn(process.execPath, [join(root, 'scripts/demo.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      DEMO_EXIT_AFTER_MS: '2500',
      DEMO_TICK_MS: '500',
      PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(output).toMatch(/page: +http:\/\/127\.0\.0\.1:\d+/);
  expect(output).toContain('[node client] board @0: count=0');
  expect(output).toMatch(/\[node client\] board @[1-9]\d*: count=[1-9]/);
  expect(code).toBe(0);
});
