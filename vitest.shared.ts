// Shared test config: tests import every @state-sync package from its source, so `pnpm test`
// needs no build and a stack trace points at the file you edit.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

/** `@state-sync/x` → packages/x/src/index.ts, `@state-sync/x/sub` → packages/x/src/sub.ts. */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const aliases: { find: RegExp; replacement: string }[] = [];
  const packagesDir = join(root, 'packages');
  for (const dir of readdirSync(packagesDir)) {
    const manifestPath = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    for (const key of Object.keys(manifest.exports ?? { '.': {} })) {
      if (key === './package.json') continue;
      const sub = key === '.' ? '' : key.slice(1);
      const file = key === '.' ? 'index' : key.slice(2);
      const escaped = `${manifest.name}${sub}`.replace(/[/.]/g, '\\$&');
      aliases.push({
        find: new RegExp(`^${escaped}$`),
        replacement: resolve(packagesDir, dir, 'src', `${file}.ts`),
      });
    }
  }
  return aliases;
}

export function defineWorkspaceProject(config: UserWorkspaceConfig): UserWorkspaceConfig {
  return mergeConfig(
    defineProject({
      resolve: { alias: workspaceAliases() },
      test: { include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] },
    }),
    config,
  );
}
