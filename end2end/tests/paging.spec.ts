import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('the clients list pages with Próxima and Anterior, and search ignores accents', async ({ page }) => {
  await login(page);
  const rows = ['id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf'];
  for (let i = 0; i < 120; i++) {
    rows.push(`${900000 + i};Paginação Teste ${String(i).padStart(3, '0')};;F;S;;;;;Campinas;SP`);
  }
  await page.goto('/clientes/importar');
  await hydrated(page);
  await page.getByLabel('Arquivo CSV').setInputFiles({
    name: 'paginas.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')),
  });
  await page.getByRole('button', { name: 'Importar' }).click();
  await expect(page.getByText('Importação concluída.')).toBeVisible();

  await page.goto('/clientes?busca=paginacao');
  const table = page.getByRole('table', { name: 'Clientes' });
  await expect(table.getByRole('link', { name: 'Paginação Teste 000' })).toBeVisible();
  await expect(page.getByText('Mais de 50 clientes encontrados')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Anterior' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Próxima' }).click();
  await expect(table.getByRole('link', { name: 'Paginação Teste 050' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Paginação Teste 000' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Próxima' }).click();
  await expect(table.getByRole('link', { name: 'Paginação Teste 119' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Próxima' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Anterior' }).click();
  await expect(table.getByRole('link', { name: 'Paginação Teste 050' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Paginação Teste 099' })).toBeVisible();
});
