// `pnpm demo`: the README's first command runs this.
import { spawnSync } from 'node:child_process';

const result = spawnSync('tsx', ['examples/quickstart/src/main.ts'], { stdio: 'inherit', shell: false });
process.exit(result.status ?? 1);
