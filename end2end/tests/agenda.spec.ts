import { test, expect } from '@playwright/test';
import { hydrated, login } from './helpers';

test('an invalid hour is shown beside the field; fixed, the next runs appear and it saves', async ({ page }) => {
  await login(page);
  await page.goto('/agenda');
  await hydrated(page);
  const table = page.getByRole('table', { name: 'Tarefas agendadas' });
  await expect(table).toContainText('Enviar OmniChannel Clientes Aniversariantes');
  await expect(table).toContainText('Envia Mensagens Omnichannel da Fila');

  await page.getByRole('button', { name: 'Nova tarefa' }).click();
  const form = page.getByRole('region', { name: 'Tarefa' });
  await form.getByLabel('Tarefa').selectOption({ label: 'Sincronizar clientes IXC' });
  await form.getByLabel('Hora').fill('25');
  await expect(form.getByRole('alert')).toContainText('25');
  await expect(form.getByTestId('next-runs')).toHaveCount(0);

  await form.getByLabel('Hora').fill('3');
  await form.getByLabel('Minuto').fill('15');
  await expect(form.getByRole('alert')).toHaveCount(0);
  await expect(form.getByTestId('next-runs').locator('li')).toHaveCount(5);
  await expect(form.getByTestId('next-runs').locator('li').first()).toContainText('03:15');

  await form.getByRole('button', { name: 'Salvar tarefa' }).click();
  await expect(table.getByRole('row', { name: /Sincronizar clientes IXC/ })).toContainText('03:15');
});
