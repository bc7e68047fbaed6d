// `pnpm demo --store sqlite`: the board survives a restart (same epoch, revision continues).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStoreArgs } from '../src/store';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runDemo(args: string[]): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, [join(root, 'scripts/demo.mjs'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      DEMO_EXIT_AFTER_MS: '2000',
      DEMO_TICK_MS: '300',
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

const revisions = (output: string) =>
  [...output.matchAll(/\[node client\] board @(\d+): count=(\d+)/g)].map((m) => ({
    revision: Number(m[1]),
    count: Number(m[2]),
  }));

describe('pnpm demo --store sqlite', () => {
  it('keeps the board across a restart: the second run starts where the first stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-sync-demo-'));
    dirs.push(dir);
    const args = ['--store', 'sqlite', '--db', join(dir, 'board.db')];
    const first = await runDemo(args);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('store:     sqlite');
    const last = revisions(first.output).at(-1);
    expect(last?.revision).toBeGreaterThan(0);
    const second = await runDemo(args);
    expect(second.code, second.output).toBe(0);
    const resumed = revisions(second.output)[0];
    expect(resumed?.revision).toBeGreaterThanOrEqual(last?.revision as number);
    expect(resumed?.count).toBeGreaterThanOrEqual(last?.count as number);
  }, 60_000);
});

describe('parseStoreArgs', () => {
  it('defaults to memory and refuses an unknown store or flag with the usage', () => {
    expect(parseStoreArgs([])).toStrictEqual({ kind: 'memory' });
    expect(parseStoreArgs(['--store=sqlite', '--db', 'x.db'])).toMatchObject({ kind: 'sqlite' });
    expect(() => parseStoreArgs(['--store', 'redis'])).toThrow(/memory or sqlite.*\n.*usage/);
    expect(() => parseStoreArgs(['--nope'])).toThrow(/usage/);
  });
});
