// Copies the repository's docs/ into the package being packed, so the README's links to
// https://unpkg.com/<package>/docs/… resolve from the npm page. Run as the package's `prepack`.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(process.cwd(), 'docs');
rmSync(target, { recursive: true, force: true });
cpSync(join(root, 'docs'), target, { recursive: true });
