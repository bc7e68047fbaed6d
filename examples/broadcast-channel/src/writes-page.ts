// The write-path demo: every tab runs createWriteTabSync with the same todo mutators; the host tab
// applies them in IndexedDB exactly once. `window.demo` is what the browser test drives; `hold`
// lets it freeze the host's store right before or right after a write commits, so that the host
// tab can be closed with a mutation pending at a chosen point.
import {
  createIndexedDbStore,
  createWriteTabSync,
  defaultChannelName,
} from '@state-sync/broadcast-channel';
import {
  defineMutators,
  type MutationRejected,
  type SourceStore,
  type StandardSchemaV1,
} from '@state-sync/core';

interface Todo {
  id: string;
  text: string;
}

/** A hand-written Standard Schema (zod or valibot in an app), so the demo bundles no validator. */
const todoArgs: StandardSchemaV1<Todo> = {
  '~standard': {
    version: 1,
    vendor: 'demo',
    validate: (value) => {
      const v = value as Partial<Todo> | null;
      return typeof v?.id === 'string' && typeof v.text === 'string' && v.text !== ''
        ? { value: { id: v.id, text: v.text } }
        : { issues: [{ message: 'expected { id: string, text: non-empty string }' }] };
    },
  },
};

const mutators = {
  todos: defineMutators({
    addTodo: {
      args: todoArgs,
      // No guard against a repeated id: a mutation applied twice would show as two todos.
      apply: (state: Todo[] | null, args) => [...(state ?? []), args],
    },
  }),
};

const params = new URLSearchParams(location.search);
const appId = params.get('app') ?? 'broadcast-channel-writes-demo';
const errors: string[] = [];
let hold: 'off' | 'before' | 'after' = 'off';
let held = 0;

/** The shared IndexedDB store, with a switch that never lets a mutation's write return. */
function store(): SourceStore {
  const inner = createIndexedDbStore({ dbName: defaultChannelName(appId) });
  const freeze = () => {
    held++;
    return new Promise<never>(() => {});
  };
  return {
    ...inner,
    async write(topic, data, expected, meta) {
      if (meta?.mutation && hold === 'before') return freeze();
      const written = await inner.write(topic, data, expected, meta);
      if (meta?.mutation && hold === 'after') return freeze();
      return written;
    },
  };
}

const tab = createWriteTabSync({
  appId,
  initial: { todos: [] },
  mutators,
  store,
  onError: (error) => errors.push(String(error)),
});

let todos: Todo[] = [];
const waiters = new Set<() => void>();
const list = document.querySelector<HTMLUListElement>('#todos')!;
const role = document.querySelector<HTMLElement>('#role')!;

function render(): void {
  const pending = new Set(tab.optimistic.pending('todos').map((p) => (p.args as Todo).id));
  list.replaceChildren(
    ...todos.map((todo) =>
      Object.assign(document.createElement('li'), {
        textContent: todo.text,
        className: pending.has(todo.id) ? 'pending' : '',
      }),
    ),
  );
  role.textContent = tab.isHost() ? 'host' : 'client';
}

const engine = tab.sync<Todo[]>('todos', {
  applier: ({ data }) => {
    todos = data;
    render();
    for (const wake of [...waiters]) wake();
  },
  onError: (context) => errors.push(`${context.phase}: ${String(context.error)}`),
});
tab.onRoleChange(render);
const ready = engine.start();

document.querySelector<HTMLFormElement>('#add')!.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = (event.target as HTMLFormElement).querySelector('input')!;
  if (input.value)
    void tab.mutate('todos', 'addTodo', { id: crypto.randomUUID(), text: input.value });
  input.value = '';
});

/** Resolves once `check` holds; event-driven, since a background tab's timers are throttled. */
function until(check: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const test = () => {
      if (!check()) return;
      waiters.delete(test);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(test);
      reject(new Error(`not reached after ${ms} ms; todos: ${JSON.stringify(todos)}`));
    }, ms);
    waiters.add(test);
    test();
  });
}

let last: Promise<unknown> | undefined;
Object.assign(window, {
  demo: {
    ready,
    /** Starts a mutation; `result()` resolves to its ack or to its refusal `{ code, message }`. */
    add(id: string, text: string) {
      last = tab.mutate('todos', 'addTodo', { id, text }).catch((error: MutationRejected) => ({
        code: error.code,
        message: error.message,
      }));
    },
    result: () => last,
    todos: () => todos,
    pending: () => tab.optimistic.pending().length,
    waitFor: (id: string, ms: number) => until(() => todos.some((t) => t.id === id), ms),
    waitSettled: (ms: number) => until(() => tab.optimistic.pending().length === 0, ms),
    hold(mode: 'off' | 'before' | 'after') {
      hold = mode;
    },
    held: () => held,
    isHost: () => tab.isHost(),
    revision: () => engine.getLocalRevision(),
    errors: () => errors,
  },
});
window.addEventListener('pagehide', () => void tab.close());
