// The same tests against the oldest Pinia the peer range accepts (2.1, via the `pinia-v2` alias
// devDependency): `pnpm exec vitest run --config packages/pinia/vitest.compat.config.ts`.
import { defineWorkspaceProject } from '../../vitest.shared.ts';

export default defineWorkspaceProject({
  resolve: { alias: [{ find: /^pinia$/, replacement: 'pinia-v2' }] },
  test: { name: 'pinia-compat-v2' },
});
