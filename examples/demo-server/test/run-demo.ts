// Runs `scripts/demo.mjs` (what `pnpm demo` runs) as a child process until it exits by itself,
// collecting stdout and stderr: the demo tests read the Node client's printed updates.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export async function runDemo(
  args: string[],
  timing: { exitAfterMs: number; tickMs: number },
): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, [join(root, 'scripts/demo.mjs'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      DEMO_EXIT_AFTER_MS: String(timing.exitAfterMs),
      DEMO_TICK_MS: String(timing.tickMs),
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
  return { output, code };
}
