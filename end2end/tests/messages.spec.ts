import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('create a message from the live dialogs, watch the preview, save it and choose it', async ({ page }) => {
  await login(page);
  await page.goto('/mensagens/nova');
  await hydrated(page);
  await page.getByLabel('Descrição').fill('Aniversário clientes');

  await page.getByRole('button', { name: 'Buscar canais' }).click();
  const channels = page.getByRole('dialog', { name: 'Canais de comunicação' });
  await expect(channels.getByRole('button', { name: 'WhatsApp Atendimento' })).toBeVisible();
  await expect(channels.getByText('WhatsApp Antigo')).toHaveCount(0);
  await channels.getByRole('button', { name: 'WhatsApp Atendimento' }).click();
  await expect(page.getByLabel('Canal comunicação')).toHaveValue('WhatsApp Atendimento');

  await page.getByRole('button', { name: 'Buscar template' }).click();
  const templates = page.getByRole('dialog', { name: 'Templates do canal' });
  await templates.getByLabel('Buscar template').fill('aniversário');
  await expect(templates.getByRole('button', { name: 'aviso_manutencao' })).toHaveCount(0);
  await templates.getByRole('button', { name: 'feliz_aniversario' }).click();
  await expect(page.getByLabel('Texto do template')).toHaveValue(/\{\{nome_cliente\}\}/);

  const preview = page.getByTestId('preview');
  await expect(preview.locator('mark.missing')).toHaveCount(3);

  await page.getByLabel('{{nome_cliente}}').selectOption('primeiro_nome');
  await expect(preview).toContainText('Olá Maria!');
  await page.getByLabel('{{nome_cliente}}').selectOption('nome_completo');
  await expect(preview).toContainText('Olá Maria Aparecida da Silva!');
  await expect(preview.locator('mark.missing')).toHaveCount(2);

  // Saving with unmapped placeholders is refused, next to the variables.
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Escolha a variável de' })).toContainText('{{empresa}}');

  await page.getByLabel('{{empresa}}').selectOption('fixo');
  await page.getByLabel('Texto fixo de {{empresa}}').fill('NetFibra');
  await expect(preview).toContainText('A equipe NetFibra');
  await page.getByLabel('{{idade}}').selectOption('idade');
  await expect(preview.locator('mark.missing')).toHaveCount(0);
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page).toHaveURL(/\/mensagens$/);
  await expect(page.getByRole('table', { name: 'Mensagens' })).toContainText('Aniversário clientes');

  await page.goto('/parametros');
  await hydrated(page);
  await page.getByLabel('Mensagem omnichannel').selectOption({ label: 'Aniversário clientes' });
  await page.getByLabel('Apenas clientes ativos').check();
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Parâmetros salvos.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Mensagem omnichannel')).toHaveValue(/.+/);
  await expect(page.getByLabel('Apenas clientes ativos')).toBeChecked();
});
