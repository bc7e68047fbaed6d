// Durability under a hard kill: a child writing in a loop is SIGKILLed mid-stream; every write it
// had acknowledged is in the file when it is opened again, and the revision continues.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSource } from '@state-sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  // A writer that never reached its count (the test timed out) must not keep running.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `acks` writes, SIGKILLs it, returns what it printed. */
async function killWriterAfter(path: string, synchronous: string, acks: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures/writer.ts'), path, synchronous],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  let errors = '';
  let killed = false;
  child.stderr.on('data', (chunk) => {
    errors += chunk;
  });
  child.stdout.on('data', (chunk) => {
    output += chunk;
    if (!killed && output.split('\nack ').length > acks) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  // 'close' waits for stdout to drain: every line the child wrote before dying is read.
  const [, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  expect(signal, `the writer exited by itself: ${errors}`).toBe('SIGKILL');
  const epoch = /^epoch (\S+)$/m.exec(output)?.[1];
  const acked = [...output.matchAll(/^ack (\d+) (\d+)$/gm)].map((m) => Number(m[1]));
  return { epoch, lastAcked: Math.max(...acked), count: acked.length };
}

describe('a writer killed with SIGKILL', () => {
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    it(`loses no acknowledged write, and the revision continues (synchronous ${synchronous})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'state-sync-crash-'));
      dirs.push(dir);
      const path = join(dir, 'store.db');
      const first = await killWriterAfter(path, synchronous, 150);
      expect(first.count).toBeGreaterThanOrEqual(150);
      // A second life of the writer continues the same epoch and count, then dies again.
      const second = await killWriterAfter(path, synchronous, 50);
      expect(second.epoch).toBe(first.epoch);
      expect(second.lastAcked).toBeGreaterThan(first.lastAcked);

      const store = createSqliteStore({ path });
      try {
        expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(await store.getEpoch()).toBe(first.epoch);
        const record = await store.read<{ n: number }>('counter');
        const revision = Number(record?.revision);
        expect(revision).toBeGreaterThanOrEqual(second.lastAcked);
        expect(record?.data).toEqual({ n: revision }); // data and revision were written together
        // The delta log survived too, consecutive and ending at the stored revision.
        const deltas = await store.readSince(
          'counter',
          first.epoch as string,
          String(revision - 5),
        );
        expect(deltas?.map((d) => [Number(d.revision), d.ops])).toEqual(
          [1, 2, 3, 4, 5].map((i) => [
            revision - 5 + i,
            [{ op: 'replace', path: '/n', value: revision - 5 + i }],
          ]),
        );
        const source = createSource({ store });
        await expect(source.topic('counter').update(() => ({ n: 0 }))).resolves.toMatchObject({
          revision: String(revision + 1),
          epoch: first.epoch,
        });
      } finally {
        await store.close();
      }
    });
  }
});
