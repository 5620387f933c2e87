import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Browser tests drive Debian's Chromium, which `.ci/run` installs (`apt-get install chromium`); a fresh machine
 * has none. playwright-core is only the driver: it never downloads a browser of its own.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless, without the sandbox (tests run as root), and with nothing that reaches out: this machine's closed
 * network refuses background networking, component updates and sync at every start. Playwright adds some of
 * these itself; they are listed so that what Chromium needs here does not depend on Playwright's defaults.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Why the browser tests of `suite` cannot run here, printed so that the skip is visible in the output, or
 * undefined where Chromium is installed. Synchronous, so that a test file can pick `describe` or
 * `describe.skip` when it is collected.
 */
export function chromiumSkipReason(suite: string): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `${suite}: skipped, ${CHROMIUM_PATH} is missing (apt-get install chromium; .ci/run installs it)`;
  console.log(reason);
  return reason;
}

/**
 * Launches headless Chromium. Each launch gets a fresh temporary --user-data-dir from Playwright, removed when
 * the browser closes; close it in afterAll.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
