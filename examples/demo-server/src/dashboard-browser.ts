// The `/dashboard` page's script (bundled by esbuild when the server starts): the typed client of
// `@state-sync/websocket/writes`, mutations debounced 100 ms (seed 004), shown optimistically.
import { createSyncClient } from '@state-sync/websocket/writes';
import { DASHBOARD_TOPIC, type Dashboard, demoMutators } from './dashboard';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const client = createSyncClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
  mutators: demoMutators,
  debounceMs: 100,
  onError: (error) => console.warn(error.code, error.message),
});
client.onStatus((status) => {
  $('status').textContent = status;
});

const dashboard = client.sync<Dashboard | null>(DASHBOARD_TOPIC, {
  applier: client.optimistic.applier(
    DASHBOARD_TOPIC,
    {
      apply: ({ data }) => {
        $('widgets').replaceChildren(
          ...(data?.widgets ?? []).map((widget) => {
            const item = document.createElement('li');
            item.dataset.id = widget.id;
            item.textContent = `${widget.kind}: ${widget.title}`; // never innerHTML
            return item;
          }),
        );
      },
    },
    (pending) => {
      $('pending').textContent = String(pending.length);
    },
  ),
});
dashboard.onStatus((status) => {
  $('sync').textContent = status;
});

$<HTMLFormElement>('add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const title = $<HTMLInputElement>('title');
  const kind = $<HTMLSelectElement>('kind').value as 'chart' | 'table' | 'note';
  const args = { id: crypto.randomUUID(), kind, title: title.value };
  title.value = '';
  client.mutate(DASHBOARD_TOPIC, 'addWidget', args).then(
    () => {
      $('error').textContent = '';
    },
    (error: Error) => {
      $('error').textContent = error.message; // the server's own message; the widget is gone
    },
  );
});
