import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { workspaceAliases } from '../../vitest.shared.ts';

// `@state-sync/*` resolve to the packages' sources, so the example runs without building them.
export default defineConfig({
  plugins: [react()],
  resolve: { alias: workspaceAliases() },
});
