/**
 * Debian's chromium driven by playwright-core, for browser tests. Never downloads a
 * browser: a missing one is a test failure that says how to install it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The browser binary (AGENT_OS_CHROMIUM overrides Debian's /usr/bin/chromium). */
export const chromiumPath: string = process.env['AGENT_OS_CHROMIUM'] ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless browser context on a fresh profile; `close()` also removes the profile. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches chromium on a fresh `--user-data-dir` (playwright passes it for a persistent context).
 * @throws Error saying how to install chromium when the binary is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `chromium not found at ${chromiumPath}: install Debian's package (apt-get update && apt-get install -y --no-install-recommends chromium) or set AGENT_OS_CHROMIUM to a chromium binary`,
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    return {
      context,
      close: async () => {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
