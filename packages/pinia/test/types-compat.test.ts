// The declared peer range is `pinia >=2.1.0 <5`: its two ends must type-check for a consumer in
// both module systems. Pinia 3+ ships ESM-only types, which a CommonJS (`module: node16`) project
// could not import from our `.d.cts` (TS1479) until scripts/cjs-types.mjs marked the import as ESM.
// Runs against the built dist, the way a consumer sees the package.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = join(import.meta.dirname, '..');
const core = join(pkg, '../core');
const dir = mkdtempSync(join(tmpdir(), 'state-sync-pinia-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function consumer(type: 'commonjs' | 'module', pinia: 'pinia-v2' | 'pinia'): string {
  for (const file of [join(pkg, 'dist/index.d.cts'), join(core, 'dist/index.d.cts')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` first`);
  }
  const root = join(dir, `${type}-${pinia}`);
  const modules = join(root, 'node_modules');
  for (const [name, from] of [
    ['@state-sync/pinia', pkg],
    ['@state-sync/core', core],
  ] as const) {
    mkdirSync(join(modules, name), { recursive: true });
    cpSync(join(from, 'package.json'), join(modules, name, 'package.json'));
    cpSync(join(from, 'dist'), join(modules, name, 'dist'), { recursive: true });
  }
  // Links to the real installs, so each resolves its own dependencies (vue, vue-demi) as usual.
  symlinkSync(realpathSync(join(pkg, 'node_modules', pinia)), join(modules, 'pinia'), 'dir');
  symlinkSync(realpathSync(join(pkg, 'node_modules/vue')), join(modules, 'vue'), 'dir');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type }));
  const entry = join(root, 'index.ts');
  writeFileSync(
    entry,
    [
      "import { createPiniaApplier, syncPiniaStore, type PiniaSync } from '@state-sync/pinia';",
      'export const both = [createPiniaApplier, syncPiniaStore];',
      'export const status = (sync: PiniaSync<never, unknown>) => sync.status.value;',
    ].join('\n'),
  );
  return entry;
}

const cases = (['commonjs', 'module'] as const).flatMap((type) =>
  (['pinia-v2', 'pinia'] as const).map((pinia) => ({ type, pinia, entry: consumer(type, pinia) })),
);
// One program for the four consumers: they share TypeScript's own libs, each resolves its own
// pinia and module system.
const program = ts.createProgram(
  cases.map((c) => c.entry),
  {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    noEmit: true,
    types: [],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  },
);

/** Errors in the consumer's files and our declarations; pinia's and vue's own are theirs. */
function errors(entry: string): string[] {
  const root = join(entry, '..');
  return program
    .getSourceFiles()
    .filter(
      (file) => file.fileName.startsWith(root) && !file.fileName.includes('/node_modules/pinia/'),
    )
    .flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ])
    .map(
      (d) =>
        `${d.file?.fileName.slice(root.length) ?? ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
    );
}

describe('types across the peer range', () => {
  for (const { type, pinia, entry } of cases) {
    const label = pinia === 'pinia' ? 'the newest pinia (4.x)' : 'the oldest pinia (2.1)';
    // The first case type-checks vue's declarations for all four: seconds on a loaded machine.
    it(`type-check in a ${type} project (node16) with ${label}`, () => {
      expect(errors(entry)).toStrictEqual([]);
    }, 30_000);
  }
});
