// The `/dashboard` page (seed 004): widgets added here show at once (optimistic), reach every other
// tab or device within a push, and this tab never pulls its own change back.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>state-sync dashboard</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  .meta { color: #666; font-size: .875rem; }
  #widgets li.pending { opacity: .6; }
  #error { color: #b00; }
</style>
</head>
<body>
<h1>dashboard</h1>
<p class="meta">connection: <b id="status">connecting</b> · sync: <b id="sync">idle</b> · saving: <b id="pending">0</b></p>
<form id="add-form">
  <select id="kind"><option>chart</option><option>table</option><option>note</option></select>
  <input id="title" maxlength="100" placeholder="widget title" required>
  <button type="submit">add widget</button>
</form>
<p id="error" role="alert"></p>
<ul id="widgets"></ul>
<p class="meta">Open this page on a second tab or device: a widget added here shows there at once.</p>
<script type="module" src="/dashboard.js"></script>
</body>
</html>
`;
