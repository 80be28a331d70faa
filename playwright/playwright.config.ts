import { defineConfig } from '@playwright/test';

// Minimal configuration for the relay's live API tests; `cargo xtask test` starts `wrangler dev`
// and passes OSDGATE_BASE_URL and OSDGATE_ADMIN_TOKEN.
export default defineConfig({
  testDir: './tests',
  workers: 1,
  reporter: 'list',
  timeout: 300_000,
  use: {
    baseURL: process.env.OSDGATE_BASE_URL,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    },
  },
});
