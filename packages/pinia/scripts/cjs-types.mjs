// Pinia 3 and later ship ESM-only types, so a CommonJS project (TypeScript `module: node16`) that
// imports our `.d.cts` got TS1479 on `from 'pinia'`. The CJS build never requires pinia at run
// time (only its types are used), so the types are imported in ESM resolution mode, which TypeScript
// (5.3+) allows from CJS. tsup's declaration bundler drops import attributes: this adds it back.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../dist/index.d.cts', import.meta.url);
const text = readFileSync(file, 'utf8');
const fixed = text.replace(
  /^import (?:type )?(\{[^}]*\}) from 'pinia';$/m,
  "import type $1 from 'pinia' with { 'resolution-mode': 'import' };",
);
if (fixed === text) throw new Error('dist/index.d.cts: no pinia import found to mark as ESM');
writeFileSync(file, fixed);
