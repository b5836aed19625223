import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('Conta > Auditoria lists who changed what, newest first, and filters by action', async ({ page }) => {
  await login(page);
  await page.goto('/parametros');
  await hydrated(page);
  await page.getByLabel('Máximo de mensagens por minuto').fill('77');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Parâmetros salvos.')).toBeVisible();

  await page.goto('/conta');
  await hydrated(page);
  await page.getByRole('link', { name: /Auditoria/ }).click();
  await expect(page).toHaveURL(/\/conta\/auditoria$/);
  const log = page.getByRole('table', { name: 'Registro de auditoria' });
  const newest = log.getByRole('row').nth(1);
  await expect(newest).toContainText('Parâmetros salvos');
  await expect(newest).toContainText('admin');
  await expect(newest).toContainText('77 por minuto');
  await expect(log.getByRole('row').filter({ hasText: 'Entrada' }).first()).toContainText('127.0.0.1');

  await page.locator('#acao').selectOption({ label: 'Entrada' });
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page).toHaveURL(/acao=entrada/);
  const rows = log.getByRole('row').filter({ hasNotText: 'Quando' });
  await expect(rows.first()).toContainText('Entrada');
  await expect(log).not.toContainText('Parâmetros salvos');
});
