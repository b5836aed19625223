import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { hydrated, login } from './helpers';

test('Conta > Baixar backup downloads the data without tokens, passwords or sessions', async ({ page }) => {
  await login(page);
  await page.goto('/integracoes/ixc');
  await hydrated(page);
  const token = 'token-ixc-e2e-s3cret';
  await page.getByLabel('URL do IXC').fill('https://ixc.exemplo.com.br');
  await page.getByLabel('Id do usuário do webservice').fill('7');
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Configuração salva.')).toBeVisible();

  await page.goto('/conta');
  await hydrated(page);
  const card = page.getByRole('region', { name: 'Backup' });
  await expect(card).toContainText('Tokens, senhas e sessões ficam de fora');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    card.getByRole('link', { name: 'Baixar backup' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^parabens-backup-\d{4}-\d{2}-\d{2}-\d{4}\.surql$/);
  const file = await readFile(await download.path(), 'utf8');
  expect(file).toContain('DEFINE TABLE');
  expect(file).toContain('https://ixc.exemplo.com.br');
  expect(file).not.toContain(token);
  expect(file).not.toContain('$argon2');
  const cookie = (await page.context().cookies()).find((c) => c.name === 'parabens_session');
  expect(cookie, 'the session cookie').toBeTruthy();
  expect(file).not.toContain(cookie!.value);

  await page.goto('/conta/auditoria');
  await hydrated(page);
  await expect(page.getByRole('table', { name: 'Registro de auditoria' }).getByRole('row').nth(1)).toContainText('Backup baixado');
});
