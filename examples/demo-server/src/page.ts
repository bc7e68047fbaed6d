// The page served at `/` and its script, bundled once at startup with esbuild (no build step).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>state-sync demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  #count { font-size: 4rem; font-weight: 700; }
  .meta { color: #666; font-size: .875rem; }
  button { font: inherit; padding: .25rem .75rem; margin-right: .25rem; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>state-sync board</h1>
<p class="meta">connection: <b id="status">connecting</b> · sync: <b id="sync">idle</b> · revision <b id="revision">–</b></p>
<div id="count" data-testid="count">…</div>
<p>
  <button id="inc" type="button">+1</button>
  <button id="inc5" type="button">+5</button>
  <button id="reset" type="button">reset</button>
</p>
<form id="note-form"><input id="note" maxlength="200" placeholder="a note" required> <button type="submit">add note</button></form>
<p id="error" role="alert"></p>
<ul id="notes"></ul>
<p class="meta">Open this page in a second tab: both stay in sync. The server owns the state; a tab only shows snapshots it pulled.</p>
<script type="module" src="/client.js"></script>
</body>
</html>
`;

/** Bundles a page script (src/browser.ts by default) with the workspace sources (no dist needed). */
export async function bundleBrowserScript(entry = 'browser.ts'): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [resolve(here, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    alias: {
      '@state-sync/core': resolve(root, 'packages/core/src/index.ts'),
      '@state-sync/websocket/writes': resolve(root, 'packages/websocket/src/writes.ts'),
      '@state-sync/websocket': resolve(root, 'packages/websocket/src/index.ts'),
    },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the demo page');
  return file.text;
}
