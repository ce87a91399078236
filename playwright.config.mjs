// Browser tests: Debian's Chromium (no browser download) driving the UI
// served by a throwaway `wrangler dev` stack started in global setup.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How every browser here is launched: Debian's Chromium, headless. */
export const LAUNCH_OPTIONS = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
};

export default defineConfig({
  testDir: 'tests/ui',
  globalSetup: './tests/ui/global-setup.mjs',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: process.env.IMGHOST_URL,
    browserName: 'chromium',
    // The page picks its language from the browser's; tests expect English
    // unless they ask for another.
    locale: 'en-US',
    launchOptions: LAUNCH_OPTIONS,
    trace: 'off',
  },
});
