import { expect, Page } from '@playwright/test';

export const ADMIN = { username: 'admin', password: 'e2e-senha-admin-123' };
/** The sandbox's token, as `playwright.config.ts` sets it. */
export const SANDBOX_TOKEN = 'e2e-token-do-sandbox';

/** Waits until the WASM bundle has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Fills and submits the login form, without waiting for the outcome. */
export async function submitLogin(page: Page, username: string, password: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Usuário').fill(username);
  await page.getByLabel('Senha', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
}

/** Logs in and waits until the signed-in layout shows the admin's name. */
export async function login(page: Page, username = ADMIN.username, password = ADMIN.password) {
  await submitLogin(page, username, password);
  await expect(page.getByTestId('user-name')).toHaveText(username);
}

/** `dd/mm/aaaa hh:mm` of `at` in the business time zone, as the pages show times. */
export function inSaoPaulo(at: Date): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Sao_Paulo',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** Creates a birthday message on the sandbox's channel and template, variables mapped. */
export async function createMessage(page: Page, description: string) {
  await page.goto('/mensagens/nova');
  await hydrated(page);
  await page.getByLabel('Descrição').fill(description);
  await page.getByRole('button', { name: 'Buscar canais' }).click();
  await page.getByRole('dialog', { name: 'Canais de comunicação' })
    .getByRole('button', { name: 'WhatsApp Atendimento' }).click();
  await page.getByRole('button', { name: 'Buscar template' }).click();
  await page.getByRole('dialog', { name: 'Templates do canal' })
    .getByRole('button', { name: 'feliz_aniversario' }).click();
  await page.getByLabel('{{nome_cliente}}').selectOption('nome_completo');
  await page.getByLabel('{{empresa}}').selectOption('fixo');
  await page.getByLabel('Texto fixo de {{empresa}}').fill('NetFibra');
  await page.getByLabel('{{idade}}').selectOption('idade');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page).toHaveURL(/\/mensagens$/);
}
