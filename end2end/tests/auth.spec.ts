import { test, expect } from '@playwright/test';
import { ADMIN, hydrated, login, submitLogin } from './helpers';

const SESSION_COOKIE = 'parabens_session';

test('an unauthenticated visit is redirected to the login page', async ({ page }) => {
  const response = await page.goto('/fila');
  await expect(page).toHaveURL(/\/login\?next=\/fila$/);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('button', { name: 'Entrar' })).toBeVisible();
});

test('the first admin logs in and lands where they were going', async ({ page, context }) => {
  await page.goto('/agenda');
  await hydrated(page);
  await page.getByLabel('Usuário').fill(ADMIN.username);
  await page.getByLabel('Senha', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page).toHaveURL(/\/agenda$/);
  await expect(page.getByRole('heading', { name: 'Agenda de tarefas' })).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText('admin');
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
  // Every section of the menu is there.
  for (const item of ['Painel', 'Mensagens Omnichannel', 'Parâmetros', 'Agenda de tarefas',
    'Fila de mensagens', 'Clientes', 'Integrações']) {
    await expect(page.getByRole('navigation').getByRole('link', { name: item, exact: true })).toBeVisible();
  }
});

test('a wrong password shows an error and opens no session', async ({ page, context }) => {
  await submitLogin(page, ADMIN.username, 'senha-errada-999');
  await expect(page.getByRole('alert')).toHaveText('Usuário ou senha incorretos.');
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('hydration: the password toggle works in the page without a request or reload', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.evaluate(() => { (window as any).__sameDocument = true; });
  const password = page.getByLabel('Senha', { exact: true });
  await password.fill('segredo');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Mostrar' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await expect(page.getByRole('button', { name: 'Ocultar' })).toHaveAttribute('aria-pressed', 'true');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(requests).toEqual([]);
});

test('logout ends the session on the server', async ({ page, context }) => {
  await login(page);
  await expect(page.getByRole('heading', { name: 'Painel' })).toBeVisible();
  const before = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(before).toBeDefined();
  await page.getByRole('button', { name: 'Sair' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
  // The old token, presented again, no longer opens anything.
  await context.addCookies([before!]);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('an admin removes another admin from Conta, never themselves', async ({ page }) => {
  await login(page);
  await page.goto('/conta');
  await hydrated(page);
  const table = page.getByRole('table', { name: 'Administradores' });
  await expect(table.getByRole('button', { name: 'Remover admin' })).toHaveCount(0);
  await page.getByLabel('Usuário').fill('removivel');
  await page.getByLabel('Senha', { exact: true }).fill('senha-removivel-123');
  await page.getByLabel('Confirme a senha', { exact: true }).fill('senha-removivel-123');
  await page.getByRole('button', { name: 'Adicionar' }).click();
  await expect(table.getByRole('row', { name: /removivel/ })).toBeVisible();
  await table.getByRole('button', { name: 'Remover removivel' }).click();
  await expect(table.getByRole('row', { name: /removivel/ })).toHaveCount(0);
});
