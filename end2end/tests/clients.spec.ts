import { test, expect } from '@playwright/test';
import * as path from 'node:path';
import { hydrated, login } from './helpers';

const samples = path.resolve(__dirname, '../../server/sample');

test('importing the sample CSV shows the report, then the preview shows a known birthday', async ({ page }) => {
  await login(page);
  await page.goto('/clientes/importar');
  await hydrated(page);
  await page.getByLabel('Arquivo CSV').setInputFiles(path.join(samples, 'clientes-ixc.csv'));
  await page.getByRole('button', { name: 'Importar' }).click();
  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible();
  await expect(page.getByText('Importação concluída.')).toBeVisible();
  await expect(report.locator('div', { hasText: 'Criados' }).locator('dd')).toHaveText(/^[1-9]\d*$/);

  await page.goto('/clientes/aniversariantes?data=2026-11-28');
  const greeted = page.getByRole('table', { name: 'Recebem' });
  await expect(greeted.getByRole('row', { name: /Maria Aparecida da Silva/ })).toBeVisible();
  const skipped = page.getByRole('table', { name: 'Não recebem' });
  await expect(skipped.getByRole('row', { name: /ACME Telecom/ })).toContainText('Pessoa jurídica');
  await expect(skipped.getByRole('row', { name: /Carlos Eduardo Lima/ })).toContainText('Sem telefone utilizável');

  // From the list to the client's page, and opting them out there.
  await page.goto('/clientes?busca=maria%20aparecida');
  await page.getByRole('link', { name: 'Maria Aparecida da Silva' }).click();
  await expect(page.getByTestId('client-name')).toHaveText('Maria Aparecida da Silva');
  await expect(page.locator('dt:has-text("WhatsApp para envio") + dd')).toHaveText('(19) 99876-5432');
  await hydrated(page);
  await page.getByRole('button', { name: 'Não enviar mais' }).click();
  await expect(page.getByText('Não recebe (pediu para sair)')).toBeVisible();
  await page.goto('/clientes/aniversariantes?data=2026-11-28');
  await expect(page.getByRole('table', { name: 'Não recebem' }).getByRole('row', { name: /Maria Aparecida/ }))
    .toContainText('Cliente pediu para não receber');
});

test('a malformed file gets a clear error and changes nothing', async ({ page }) => {
  await login(page);
  await page.goto('/clientes?busca=&tipo=J');
  const before = await page.getByRole('table', { name: 'Clientes' }).textContent();
  await page.goto('/clientes/importar');
  await hydrated(page);
  await page.getByLabel('Arquivo CSV').setInputFiles(path.join(samples, 'clientes-invalido.csv'));
  await page.getByRole('button', { name: 'Importar' }).click();
  await expect(page.getByRole('alert')).toContainText('Colunas obrigatórias ausentes');
  await expect(page.getByRole('alert')).toContainText('Nenhum cliente foi alterado');
  await page.goto('/clientes?busca=&tipo=J');
  expect(await page.getByRole('table', { name: 'Clientes' }).textContent()).toBe(before);
});
