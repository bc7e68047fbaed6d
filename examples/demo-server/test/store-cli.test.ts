// `pnpm demo --store sqlite`: the board survives a restart (same epoch, revision continues).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStoreArgs } from '../src/store';
import { runDemo } from './run-demo';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A short run with fast ticks: a few updates before the demo exits by itself. */
const timing = { exitAfterMs: 2000, tickMs: 300 };

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
    const first = await runDemo(args, timing);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('store:     sqlite');
    const last = revisions(first.output).at(-1);
    expect(last?.revision).toBeGreaterThan(0);
    const second = await runDemo(args, timing);
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
