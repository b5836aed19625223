import { test, expect } from '@playwright/test';
import { hydrated, inSaoPaulo, login } from './helpers';

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

/** The next whole hour in the business time zone, `dd/mm/aaaa hh:00`, from `at`. */
function nextHourInSaoPaulo(at: Date): string {
  return `${inSaoPaulo(new Date(at.getTime() + 60 * 60 * 1000)).slice(0, -2)}00`;
}

test.describe('with the browser in another time zone', () => {
  // Kolkata is 8h30 ahead of São Paulo: a next run computed on the browser's clock (or on
  // UTC) shows another hour.
  test.use({ timezoneId: 'Asia/Kolkata' });

  test('the agenda, its form and the dashboard show the same next runs, in the business time zone', async ({ page }) => {
    await login(page);
    await page.goto('/agenda');
    await hydrated(page);
    const expected = [nextHourInSaoPaulo(new Date())];
    await page.getByRole('button', { name: 'Nova tarefa' }).click();
    const form = page.getByRole('region', { name: 'Tarefa' });
    await form.getByLabel('Tarefa').selectOption({ label: 'Sincronizar clientes IXC' });
    await form.getByLabel('Minuto').fill('0');
    await form.getByLabel('Hora').fill('Todos');
    const inForm = (await form.getByTestId('next-runs').locator('li').first().textContent()) ?? '';
    expected.push(nextHourInSaoPaulo(new Date()));
    expect(expected.some((e) => inForm.includes(e)), `${inForm} vs ${expected}`).toBe(true);
    await form.getByRole('button', { name: 'Salvar tarefa' }).click();

    const table = page.getByRole('table', { name: 'Tarefas agendadas' });
    await expect(page.getByText('Horários em America/Sao_Paulo.')).toBeVisible();
    const hourly = table.getByRole('row', { name: /Sincronizar clientes IXC/ }).filter({ hasNotText: ':15' });
    await expect(hourly).toHaveCount(1);
    const nextCell = (row: typeof hourly) => row.getByRole('cell').nth(6);
    const hourlyNext = (await nextCell(hourly).textContent()) ?? '';
    expect(inForm).toContain(hourlyNext);
    const enqueueNext = (await nextCell(table.getByRole('row', { name: /Enviar OmniChannel Clientes Aniversariantes/ })).textContent()) ?? '';
    expect(enqueueNext).toMatch(/^\d\d\/\d\d\/\d{4} 08:00$/);

    // The dashboard computes them on the server, in the business zone: the same times.
    await page.goto('/');
    await hydrated(page);
    const next = page.getByRole('table', { name: 'Próximas execuções' });
    await expect(next.getByRole('row', { name: `Sincronizar clientes IXC ${hourlyNext}` })).toHaveCount(1);

    // Leave the hourly sync off for the tests that follow.
    await page.goto('/agenda');
    await hydrated(page);
    await hourly.getByRole('button', { name: 'Ativa · Desativar' }).click();
    await expect(hourly.getByRole('button', { name: 'Inativa · Ativar' })).toBeVisible();
  });
});
