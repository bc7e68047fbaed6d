// Browser tests drive Debian's Chromium (never a downloaded browser). Install it when missing and
// we may (root + apt-get); otherwise say loudly what to do. CI=true makes a missing browser fatal.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (canInstall) {
    console.log(`[ensure-chromium] ${CHROMIUM} missing: installing Debian's chromium with apt-get`);
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
      {
        stdio: 'inherit',
      },
    );
  } else {
    const message = `[ensure-chromium] ${CHROMIUM} not found. Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`;
    if (process.env.CI === 'true') {
      console.error(message);
      process.exit(1);
    }
    console.warn(
      `\n${'!'.repeat(80)}\n${message}\nBrowser tests will be SKIPPED.\n${'!'.repeat(80)}\n`,
    );
  }
}
