// End-to-end tests in Debian's Chromium against a running relay (`cargo xtask test` starts a fresh
// `wrangler dev` and passes its address in OSDGATE_BASE_URL). Playwright never downloads a browser.
import { defineConfig } from "@playwright/test";

const baseURL = process.env.OSDGATE_BASE_URL;
if (!baseURL) {
  throw new Error("OSDGATE_BASE_URL is not set: run the suite with `cargo xtask test`");
}

export default defineConfig({
  testDir: "./tests",
  // One worker: the relay under test keeps state, and the machine has two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  // The relay's live tests move 64 MiB through wrangler dev's proxy on a 2-core machine.
  timeout: 120_000,
  outputDir: "./test-results",
  reporter: [["list"], ["json"]],
  use: {
    baseURL,
    extraHTTPHeaders: {},
    launchOptions: {
      executablePath: process.env.OSDGATE_CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
});
