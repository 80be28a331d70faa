// The console's on-demand benchmark (web-ui/bench/run.sh): not part of `cargo xtask test`.
import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: /.*\.bench\.ts$/,
  timeout: 300_000,
  reporter: [['list']],
});
