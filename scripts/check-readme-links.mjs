// Every link in a package README must work from the npm page, where the README is shown without
// the repository around it: no relative link leaving the package, docs linked through unpkg (the
// tarball ships docs/, see copy-docs.mjs), and no placeholder repository URL.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];

for (const dir of readdirSync(join(root, 'packages'))) {
  const packageDir = join(root, 'packages', dir);
  const manifestPath = join(packageDir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  const where = `packages/${dir}`;
  if (JSON.stringify(manifest.repository ?? '').includes('example.invalid'))
    problems.push(`${where}/package.json: repository.url is a placeholder`);
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const unpkg = `https://unpkg.com/${manifest.name}/`;
  let shipsDocs = false;
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    const path = target.split('#')[0];
    if (path === '') continue;
    if (path.startsWith(unpkg)) {
      const file = path.slice(unpkg.length);
      shipsDocs = true;
      if (!file.startsWith('docs/') || !existsSync(join(root, file)))
        problems.push(`${where}/README.md: ${target} names no file in the repository's docs/`);
    } else if (path.startsWith('https://unpkg.com/')) {
      problems.push(`${where}/README.md: ${target} points into another package's tarball`);
    } else if (!/^[a-z]+:/.test(path)) {
      const resolved = normalize(join(packageDir, path));
      if (!resolved.startsWith(packageDir) || !existsSync(resolved))
        problems.push(`${where}/README.md: relative link ${target} does not exist in the tarball`);
    }
  }
  if (shipsDocs) {
    if (!manifest.files?.includes('docs'))
      problems.push(`${where}/package.json: links to docs/ but "files" does not include "docs"`);
    if (!manifest.scripts?.prepack?.includes('copy-docs'))
      problems.push(`${where}/package.json: links to docs/ but no prepack copies them`);
  }
}

if (problems.length > 0) {
  console.error(`README links that break on the npm page:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('README links: every package README link works from the npm page');
