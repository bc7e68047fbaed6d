// The page served at `/`: the WebSocket demo's page, over HTTP.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>state-sync board over HTTP</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  #count { font-size: 4rem; font-weight: 700; }
  .meta { color: #666; font-size: .875rem; }
  button { font: inherit; padding: .25rem .75rem; margin-right: .25rem; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>state-sync board (HTTP only)</h1>
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
<p class="meta">Open this page in a second tab: both stay in sync. Invalidations arrive over Server-Sent Events; each tab pulls the snapshot with a GET a cache could answer.</p>
<script type="module" src="/client.js"></script>
</body>
</html>
`;
