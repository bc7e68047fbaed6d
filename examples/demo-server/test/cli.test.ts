// `pnpm demo` end to end: the script starts, the Node client prints updates, it stops by itself.
import { expect, it } from 'vitest';
import { runDemo } from './run-demo';

it('scripts/demo.mjs starts the server and a Node client that prints updates, and exits cleanly', async () => {
  const { output, code } = await runDemo([], { exitAfterMs: 2500, tickMs: 500 });
  expect(output).toMatch(/page: +http:\/\/127\.0\.0\.1:\d+/);
  expect(output).toContain('[node client] board @0: count=0');
  expect(output).toMatch(/\[node client\] board @[1-9]\d*: count=[1-9]/);
  expect(code).toBe(0);
});
