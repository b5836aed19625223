import { test, expect } from '@playwright/test';
import { hydrated, login, SANDBOX_TOKEN } from './helpers';

test('every page says the sandbox is in use, and its channels are listed live', async ({ page }) => {
  await login(page);
  await expect(page.getByTestId('sandbox-banner')).toContainText('Modo sandbox');
  await page.goto('/clientes');
  await expect(page.getByTestId('sandbox-banner')).toBeVisible();

  // The sandbox refuses a listing without a valid filter, as live Opa! Suite instances do
  // since October 2026; the connection test still lists every channel.
  const refused = await page.request.fetch('/sandbox/opa/api/v1/canal-comunicacao/', {
    method: 'GET',
    headers: { Authorization: `Bearer ${SANDBOX_TOKEN}` },
    data: { filter: {} },
  });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).message).toBe('At least one filter field is required');

  await page.goto('/integracoes/opa');
  await hydrated(page);
  await page.getByRole('button', { name: 'Testar conexão' }).click();
  await expect(page.getByText('Conexão OK: 4 canais.')).toBeVisible();
  const channels = page.getByRole('table', { name: 'Canais' });
  await expect(channels.getByRole('row', { name: /WhatsApp Antigo/ })).toContainText('Inativo');
  await expect(page.getByText('Nenhuma mensagem recebida pelo sandbox.')).toBeVisible();
});

test('the IXC page refuses a URL without scheme beside the field', async ({ page }) => {
  await login(page);
  await page.goto('/integracoes/ixc');
  await hydrated(page);
  await page.getByLabel('URL do IXC').fill('ixc.provedor.com.br');
  await page.getByLabel('Id do usuário do webservice').fill('7');
  await page.getByLabel('Token').fill('segredo');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.locator('#ixc-url-error')).toContainText('https://');
});
