// The demo page: every tab runs createTabSync; one of them (the lock holder) hosts the notes in
// IndexedDB. Open it in several tabs, add notes, close the tab marked "host": nothing is lost.
// `window.demo` is what the browser test drives.
import { createTabSync } from '@state-sync/broadcast-channel';

type Notes = string[];

const params = new URLSearchParams(location.search);
const appId = params.get('app') ?? 'broadcast-channel-demo';
const errors: string[] = [];

const tab = createTabSync({
  appId,
  initial: { notes: [] },
  // Every tab passes the same reducer: whichever tab hosts applies it.
  reducer: (_topic, current, op) => [...((current as Notes | null) ?? []), String(op)],
  onError: (error) => errors.push(String(error)),
});

let notes: Notes = [];
let revision = '0';
let epoch: string | undefined;
/** When each note first appeared in this tab (Date.now()), for latency checks. */
const seenAt: Record<string, number> = {};
const waiters = new Set<() => void>();

const list = document.querySelector<HTMLUListElement>('#notes')!;
const role = document.querySelector<HTMLElement>('#role')!;
const form = document.querySelector<HTMLFormElement>('#add')!;

function render(): void {
  list.replaceChildren(
    ...notes.map((note) => Object.assign(document.createElement('li'), { textContent: note })),
  );
  role.textContent = tab.isHost() ? 'host' : 'client';
  document.title = `${tab.isHost() ? '★ ' : ''}notes (${notes.length})`;
}

const engine = tab.sync<Notes>('notes', {
  applier: (envelope) => {
    const now = Date.now();
    for (const note of envelope.data) seenAt[note] ??= now;
    notes = envelope.data;
    revision = envelope.revision;
    epoch = envelope.epoch;
    render();
    for (const wake of [...waiters]) wake();
  },
  onError: (context) => errors.push(`${context.phase}: ${String(context.error)}`),
});
tab.onRoleChange(render);
const ready = engine.start();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = form.querySelector('input')!;
  if (input.value) void tab.mutateOp('notes', input.value);
  input.value = '';
});

/** Resolves once `note` is shown; event-driven, since a background tab's timers are throttled. */
function waitFor(note: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (seenAt[note] === undefined) return false;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(seenAt[note]);
      return true;
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`"${note}" not seen after ${ms} ms; notes: ${JSON.stringify(notes)}`));
    }, ms);
    waiters.add(check);
    check();
  });
}

Object.assign(window, {
  demo: {
    ready,
    id: tab.id,
    /** Sends the note to the host; resolves to the time it was sent. */
    add: (note: string) => {
      const sentAt = Date.now();
      return tab.mutateOp('notes', note).then(() => sentAt);
    },
    notes: () => notes,
    revision: () => revision,
    epoch: () => epoch,
    isHost: () => tab.isHost(),
    errors: () => errors,
    seenAt: (note: string) => seenAt[note],
    waitFor,
    metrics: () => tab.client.getMetrics(),
  },
});
window.addEventListener('pagehide', () => void tab.close());
