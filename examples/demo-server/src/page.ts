// The page served at `/` and its script, bundled once at startup with esbuild (no build step);
// examples/http-board serves the same page and bundles its script here too.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

/**
 * The board page: the element ids are the ones board-page.ts mounts on, shared by every board
 * example (WebSocket here, HTTP in examples/http-board), which names its transport in the text.
 */
export function boardPageHtml(text: { title: string; heading: string; note: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text.title}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  #count { font-size: 4rem; font-weight: 700; }
  .meta { color: #666; font-size: .875rem; }
  button { font: inherit; padding: .25rem .75rem; margin-right: .25rem; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>${text.heading}</h1>
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
<p class="meta">Open this page in a second tab: both stay in sync. ${text.note}</p>
<script type="module" src="/client.js"></script>
</body>
</html>
`;
}

export const PAGE_HTML = boardPageHtml({
  title: 'state-sync demo',
  heading: 'state-sync board',
  note: 'The server owns the state; a tab only shows snapshots it pulled.',
});

/**
 * Bundles a page script with the workspace sources (no dist needed): `entry` is a file name in
 * this folder (src/browser.ts by default) or an absolute path.
 */
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
      '@state-sync/protocol': resolve(root, 'packages/protocol/src/index.ts'),
      '@state-sync/websocket/writes': resolve(root, 'packages/websocket/src/writes.ts'),
      '@state-sync/websocket': resolve(root, 'packages/websocket/src/index.ts'),
      '@state-sync/http': resolve(root, 'packages/http/src/index.ts'),
    },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}
