import { test, expect, Page } from '@playwright/test';
import { hydrated, login } from './helpers';

/** The chunk files (`split_…`, `chunk_…`) the browser fetched. */
function chunksFetched(page: Page): string[] {
  const names: string[] = [];
  page.on('request', (req) => {
    const name = new URL(req.url()).pathname.split('/').pop() ?? '';
    if (/^(split|chunk)_.*\.wasm$/.test(name)) names.push(name);
  });
  return names;
}

test('the sign-in page loads no chunk; the signed-in pages load theirs, named in the head', async ({ page }) => {
  const fetched = chunksFetched(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/login');
  await hydrated(page);
  expect(fetched).toEqual([]);

  await login(page);
  // The first page after signing in (the Painel) came by client-side navigation: the chunk
  // of the signed-in pages was fetched on the way, once.
  await expect(page.getByRole('heading', { name: 'Painel' })).toBeVisible();
  expect(fetched.filter((n) => n.startsWith('split_signed_in_page_'))).toHaveLength(1);

  // A full load of a signed-in page: the server names the chunk in the <head>, and the page
  // hydrates with it, without an error.
  const chunk = page.waitForResponse((r) => /\/split_signed_in_page_[^/]+\.wasm$/.test(r.url()));
  const res = await page.goto('/clientes');
  const html = (await res?.text()) ?? '';
  expect(html).toMatch(/<link[^>]+href="\/pkg\/split_signed_in_page_[^"]+\.wasm"/);
  await hydrated(page);
  expect(fetched.some((n) => n.startsWith('split_signed_in_page_'))).toBe(true);
  // Its name carries its hash: kept for good, sent compressed.
  const headers = await (await chunk).allHeaders();
  expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(headers['content-encoding']).toBe('br');
  await expect(page.getByRole('heading', { name: 'Clientes' })).toBeVisible();
  expect(errors).toEqual([]);
});
