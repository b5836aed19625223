#!/usr/bin/env node
// The first visit to /login as a new browser makes it: bytes transferred and seconds until
// the page has hydrated, on a throttled network. Prints one line:
//   first_load: kb=<kB, 1000 bytes> fast_s=<s> slow_s=<s>
// Usage: node end2end/first-load.mjs [BASE_URL]   (or PARABENS_URL; default
// http://127.0.0.1:3000) against a running server. FIRST_LOAD_RUNS (default 3) visits per
// network, the median is printed; CHROMIUM the browser (default Debian's /usr/bin/chromium).
// Details of each visit go to stderr.
//
// With PARABENS_ADMIN_PASSWORD (and PARABENS_ADMIN_USER, default admin) it then also signs
// in on each network, right after that first visit, and prints a second line:
//   after_sign_in: kb=<kB> fast_s=<s> slow_s=<s>
// what the browser downloads from the click on "Entrar" until the Painel shows (the code of
// the signed-in pages comes then, see app/src/routes/lazy.rs), and how long that takes.
import { chromium } from '@playwright/test';

const base = (process.argv[2] ?? process.env.PARABENS_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const runs = Number(process.env.FIRST_LOAD_RUNS ?? 3);

// Chrome's own throttling (DevTools protocol), per request: `latency` ms before the answer
// starts, then the bandwidth. Throughput is in bytes per second; 1 Mbit/s = 10^6 bit/s.
// "slow" is Lighthouse's slow-4G (1.6 Mbit/s down, 750 kbit/s up, 150 ms).
const mbit = (n) => (n * 1e6) / 8;
const NETWORKS = {
  fast: { latency: 40, downloadThroughput: mbit(10), uploadThroughput: mbit(5) },
  slow: { latency: 150, downloadThroughput: mbit(1.6), uploadThroughput: mbit(0.75) },
};

// The bundle sets `data-hydrated` on <body> right after `hydrate_body` returns (see
// frontend/src/lib.rs; the end-to-end tests wait for it too). Noted in page time, from the
// start of the navigation, so the test's own polling does not count.
const WATCH_HYDRATION = () => {
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.hydrated === 'true') {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
};

const user = process.env.PARABENS_ADMIN_USER ?? 'admin';
const password = process.env.PARABENS_ADMIN_PASSWORD;

async function visit(browser, network, signIn = false) {
  // A new context is a new profile: empty HTTP and code caches, no cookies.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(WATCH_HYDRATION);
    const cdp = await context.newCDPSession(page);
    let bytes = 0;
    const urls = [];
    const pending = new Set();
    // The live pages' event stream stays open: it is not part of a load.
    cdp.on('Network.requestWillBeSent', (e) => { if (e.type !== 'EventSource') pending.add(e.requestId); });
    cdp.on('Network.loadingFinished', (e) => {
      pending.delete(e.requestId);
      bytes += e.encodedDataLength;
    });
    cdp.on('Network.loadingFailed', (e) => pending.delete(e.requestId));
    cdp.on('Network.responseReceived', (e) => urls.push(e.response.url));
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...network });
    const res = await page.goto(`${base}/login`);
    if (!res?.ok()) throw new Error(`GET ${base}/login: ${res?.status()}`);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000 })
      .catch(() => {
        // Most often a server and a bundle from different builds (see .cargo/config.toml).
        throw new Error(`${base}/login did not hydrate within 120 s`);
      });
    const seconds = (await page.evaluate(() => window.__hydratedAt)) / 1000;
    // What the page still loads once live (the favicon) belongs to the visit too.
    const settle = async () => {
      await page.waitForLoadState('load');
      for (let quiet = 0; quiet < 5; ) {
        await page.waitForTimeout(100);
        quiet = pending.size === 0 ? quiet + 1 : 0;
      }
    };
    await settle();
    if (!signIn) return { bytes, seconds, urls };

    const before = { bytes, files: urls.length };
    await page.locator('#username').fill(user);
    await page.locator('#password').fill(password);
    const clicked = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { name: 'Painel' })
      .waitFor({ timeout: 120_000 })
      .catch(() => { throw new Error(`signing in as ${user} did not show the Painel within 120 s`); });
    const shown = await page.evaluate(() => performance.now());
    await settle();
    return { bytes: bytes - before.bytes, seconds: (shown - clicked) / 1000, urls: urls.slice(before.files) };
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// `runs` visits on each network; one line `<label>: kb=<most bytes> fast_s=.. slow_s=..` of
// the medians. `what` names in the details on stderr what the time runs until.
async function measure(label, what, signIn) {
  const result = {};
  let bytes = 0;
  for (const [name, network] of Object.entries(NETWORKS)) {
    const seconds = [];
    for (let i = 0; i < runs; i++) {
      const v = await visit(browser, network, signIn);
      console.error(`${label} ${name} #${i + 1}: ${v.bytes} bytes, ${what} after ${v.seconds.toFixed(2)} s (${v.urls.length} files)`);
      seconds.push(v.seconds);
      bytes = Math.max(bytes, v.bytes);
    }
    result[name] = median(seconds);
  }
  console.log(`${label}: kb=${(bytes / 1000).toFixed(1)} fast_s=${result.fast.toFixed(2)} slow_s=${result.slow.toFixed(2)}`);
}

try {
  await measure('first_load', 'hydrated', false);
  if (password) await measure('after_sign_in', 'Painel', true);
} finally {
  await browser.close();
}
