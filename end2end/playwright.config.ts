import { defineConfig } from '@playwright/test';
import { execSync } from 'node:child_process';
import * as path from 'node:path';

// One real server for the run, on a free port, with a fresh in-memory database.
const port = Number(process.env.E2E_PORT ?? execSync(
  `python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"`,
).toString().trim());
process.env.E2E_PORT = String(port);
const root = process.env.PARABENS_ROOT ?? path.resolve(__dirname, '..');
const bin = process.env.PARABENS_BIN ?? path.join(root, 'target/debug/parabens');
export const ADMIN_PASSWORD = 'e2e-senha-admin-123';
/** The built-in sandbox's bearer token for this run (random when unset). */
export const SANDBOX_TOKEN = 'e2e-token-do-sandbox';

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: bin,
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'parabens',
      PARABENS_DB: 'mem://',
      PARABENS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARABENS_OPA_TOKEN: SANDBOX_TOKEN,
      RUST_LOG: 'info',
    },
  },
});
