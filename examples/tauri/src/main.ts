// The window's entry point (what Vite serves as main.ts): render from the store, write through Rust.
import { createSettingsStore, saveSettings, startSettingsSync } from './settings-sync';

const store = createSettingsStore();
const sync = startSettingsSync(store);

store.subscribe((settings) => {
  document.documentElement.dataset.theme = settings.theme;
  document.documentElement.style.fontSize = `${settings.fontSize}px`;
});

document.querySelector('#toggle-theme')?.addEventListener('click', () => {
  const theme = store.get()?.theme === 'dark' ? 'light' : 'dark';
  saveSettings({ theme }).catch((error: unknown) => console.error('[settings] save failed', error));
});

// Under Vite's hot reload, stop the old sync before the new module starts another one:
// if (import.meta.hot) import.meta.hot.dispose(() => sync.stop());
export { sync };
