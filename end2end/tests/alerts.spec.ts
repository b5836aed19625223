import { test, expect } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { hydrated, login } from './helpers';

const SECRET = 'segredo-e2e-dos-alertas';

test('Integrações > Alertas saves the webhook and sends a signed test alert', async ({ page }) => {
  const received: { signature: string; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ signature: String(req.headers['x-parabens-signature'] ?? ''), body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alertas`;
  try {
    await login(page);
    await page.goto('/integracoes');
    await hydrated(page);
    await page.getByRole('link', { name: 'Configurar alertas' }).click();
    await expect(page).toHaveURL(/\/integracoes\/alertas$/);
    await page.getByLabel('URL do webhook').fill(url);
    await page.getByLabel('Segredo da assinatura').fill(SECRET);
    const minutes = page.getByLabel(/não responderem por mais de/);
    await expect(minutes).toHaveValue('10');
    await minutes.fill('0');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await expect(page.locator('#unreachable_minutes-error')).toContainText('Entre 1 e 1.440 minutos.');
    await minutes.fill('15');
    await page.getByRole('button', { name: 'Salvar' }).click();
    await expect(page.getByText('Alertas salvos.')).toBeVisible();
    await page.getByRole('button', { name: 'Enviar alerta de teste' }).click();
    await expect(page.getByText('Alerta de teste enviado.')).toBeVisible();
    expect(received).toHaveLength(1);
    const { signature, body } = received[0];
    expect(signature).toBe('sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'));
    expect(JSON.parse(body).event).toBe('teste');
    // The secret is never shown again.
    await page.reload();
    await hydrated(page);
    await expect(page.getByLabel('Segredo da assinatura')).toHaveValue('');
    await expect(page.getByLabel('Segredo da assinatura')).toHaveAttribute('placeholder', /Definido/);
    await expect(minutes).toHaveValue('15');
  } finally {
    receiver.close();
  }
});
