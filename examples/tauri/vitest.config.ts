import { defineWorkspaceProject } from '../../vitest.shared.ts';

// Tauri's mocks install themselves on `window`, so the test runs in happy-dom.
export default defineWorkspaceProject({
  test: { name: 'example-tauri', environment: 'happy-dom' },
});
