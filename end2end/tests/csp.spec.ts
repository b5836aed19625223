import { test, expect, Page } from '@playwright/test';
import { hydrated, login } from './helpers';

// Every page hydrates under the Content-Security-Policy, with no violation reported.
const PAGES = [
  '/', '/mensagens', '/mensagens/nova', '/parametros', '/agenda', '/fila', '/clientes',
  '/clientes/importar', '/clientes/aniversariantes', '/integracoes', '/integracoes/ixc',
  '/integracoes/opa', '/conta',
];

function watchViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  return violations;
}

test('every page hydrates under the CSP without a violation', async ({ page }) => {
  const violations = watchViolations(page);
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const login_page = await page.goto('/login');
  expect(login_page?.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
  await login(page);
  // The login's own navigation to the Painel ends first, so that the first goto below is a
  // load of its own (and answers with its headers) rather than racing it.
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  for (const path of PAGES) {
    const res = await page.goto(path);
    expect(res?.headers()['content-security-policy'], path).toContain("script-src 'self' 'nonce-");
    await hydrated(page);
  }
  // The dashboard's bars set their height with a style attribute, allowed by the policy.
  expect(violations).toEqual([]);
});
