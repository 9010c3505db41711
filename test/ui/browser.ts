import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/ensure-chromium.sh` installs it); playwright's own download cannot work here. */
export const CHROMIUM = process.env.JOBCLOCK_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Generous: a loaded 2-core machine renders slowly. */
export const UI_TIMEOUT = 30_000;

/** One headless browser for a test file (close it in `after`). */
export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 120_000 });
}

/** What a page did that a test asserts never happens: console errors, uncaught errors, dialogs, foreign requests. */
export interface PageRecord {
  readonly consoleErrors: string[];
  readonly foreignRequests: string[];
  readonly dialogs: string[];
}

/** A fresh context and page, recording into `record` everything that must not happen. */
export async function openPage(browser: Browser, origin: string, record: PageRecord, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') record.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => record.consoleErrors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== origin) record.foreignRequests.push(request.url());
  });
  page.on('dialog', (dialog) => {
    record.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { context, page };
}

/** Polls `read` until `done` holds, or fails naming `what`. */
export async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = UI_TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
