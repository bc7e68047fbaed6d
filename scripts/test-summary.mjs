// Prints one closing line for the whole test run, summed over every vitest JSON report in
// test-results/: "tests: N passed, N failed, N skipped". CI readers look for exactly that line.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), 'test-results');
if (process.argv[2] === '--clean') {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const totals = { passed: 0, failed: 0, skipped: 0 };
const reports = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')) : [];
for (const file of reports) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (reports.length === 0) {
  console.error('test-summary: no vitest report in test-results/');
  process.exit(1);
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
