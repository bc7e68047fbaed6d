import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { workspaceAliases } from '../../vitest.shared.ts';

// `@state-sync/*` resolve to the packages' sources, so the example runs without building them.
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: workspaceAliases() },
});
