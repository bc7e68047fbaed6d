// The same tests against the oldest Zustand the peer range accepts (4.5, via the `zustand-v4`
// alias devDependency): `pnpm exec vitest run --config packages/zustand/vitest.compat.config.ts`.
import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({
  resolve: { alias: [{ find: /^zustand(\/.*)?$/, replacement: 'zustand-v4$1' }] },
  test: { name: 'zustand-compat-v4', environment: 'happy-dom' },
});
