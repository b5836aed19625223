import { test, expect, Page } from '@playwright/test';
import { createMessage, hydrated, inSaoPaulo, login } from './helpers';

// Runs after integrations.spec.ts (which expects an empty sandbox outbox): files run in
// name order on one server.

/** Today's month and day where birthdays are decided (the business time zone). */
function todayInSaoPaulo(): { mm: string; dd: string } {
  const [, mm, dd] = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Sao_Paulo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date()).split('-');
  return { mm, dd };
}

/** Now as the pages show it: `dd/mm/aaaa hh:mm` in the business time zone. */
const nowInSaoPaulo = () => inSaoPaulo(new Date());

// The browser is elsewhere: times must still read in the business time zone.
test.use({ timezoneId: 'Asia/Tokyo' });

const CLIENTS = ['Aniversariante Fila Um', 'Aniversariante Fila Dois', 'Aniversariante Fila Três'];
/** Born today too, but the admin cancels the greeting before it goes out. */
const CANCELLED = 'Aniversariante Fila Cancelada';

async function importClientsBornToday(page: Page) {
  const { mm, dd } = todayInSaoPaulo();
  // 1992 is a leap year, so 29 February works too.
  const rows = [...CLIENTS, CANCELLED].map((name, i) =>
    `${9101 + i};${name};;F;S;1992-${mm}-${dd};(11) 97000-000${i + 1};;;São Paulo;SP`);
  const csv = ['id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf', ...rows].join('\n');
  await page.goto('/clientes/importar');
  await hydrated(page);
  await page.getByLabel('Arquivo CSV').setInputFiles({
    name: 'aniversariantes-hoje.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv, 'utf-8'),
  });
  await page.getByRole('button', { name: 'Importar' }).click();
  await expect(page.getByText('Importação concluída.')).toBeVisible();
}

async function chooseMessageForTheWholeDay(page: Page, description: string) {
  await page.goto('/parametros');
  await hydrated(page);
  await page.getByLabel('Mensagem omnichannel').selectOption({ label: description });
  await page.getByLabel('Enviar a partir de (hora)').fill('0');
  await page.getByLabel('Enviar até (hora)').fill('24');
  await page.getByLabel('Máximo de mensagens por minuto').fill('600');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Parâmetros salvos.')).toBeVisible();
}

/** The scheduled sender stays out of the way, so what the test sees is its own doing. */
async function pauseScheduledSending(page: Page) {
  await page.goto('/agenda');
  await hydrated(page);
  const row = page.getByRole('table', { name: 'Tarefas agendadas' })
    .getByRole('row', { name: /Envia Mensagens Omnichannel da Fila/ });
  await row.getByRole('button', { name: 'Ativa · Desativar' }).click();
  await expect(row.getByRole('button', { name: 'Inativa · Ativar' })).toBeVisible();
}

const count = (page: Page, status: string) => page.getByTestId(`count-${status}`).locator('.stat-value');

test('Executar agora enqueues and sends; the dashboard and the queue follow live until the sandbox holds the greetings', async ({ page, context }) => {
  test.setTimeout(180_000);
  await login(page);
  await importClientsBornToday(page);
  await createMessage(page, 'Felicitações da fila');
  await chooseMessageForTheWholeDay(page, 'Felicitações da fila');
  await pauseScheduledSending(page);

  await page.goto('/');
  await hydrated(page);
  // Set on this document: still there at the end means the page never reloaded.
  await page.evaluate(() => { (window as any).__sameDocument = true; });
  const pendingBefore = Number(await count(page, 'pendente').textContent());
  const sentBefore = Number(await count(page, 'enviado').textContent());
  const cancelledBefore = Number(await count(page, 'cancelado').textContent());
  const runNow = page.getByRole('region', { name: 'Executar agora' });
  const runs = page.getByRole('table', { name: 'Execuções' });
  // This server is listed among the instances on the database, alive.
  const self = page.getByRole('table', { name: 'Instâncias' }).getByRole('row').filter({ hasText: 'esta' });
  await expect(self).toHaveCount(1);
  await expect(self).toContainText('Ativa');

  // Enqueue: the run appears, succeeds, and the pending count grows, all without a reload.
  const clickedAt = nowInSaoPaulo();
  await runNow.getByRole('listitem').filter({ hasText: 'Enviar OmniChannel Clientes Aniversariantes' })
    .getByRole('button', { name: 'Executar agora' }).click();
  const enqueueRun = runs.getByRole('row')
    .filter({ hasText: 'Enviar OmniChannel Clientes Aniversariantes' })
    .filter({ hasText: 'Manual' }).first();
  await expect(enqueueRun).toContainText('Sucesso');
  await expect(enqueueRun).toContainText(/enfileiradas: \d+/);
  const seenAt = nowInSaoPaulo();
  const runText = (await enqueueRun.textContent()) ?? '';
  expect([clickedAt, seenAt].some((t) => runText.includes(t)), `${runText} shows ${clickedAt}`).toBe(true);
  const enqueued = Number(/enfileiradas: (\d+)/.exec(runText)![1]);
  expect(enqueued).toBeGreaterThanOrEqual(CLIENTS.length + 1);
  await expect(count(page, 'pendente')).toHaveText(String(pendingBefore + enqueued));

  // The queue, open in another tab, lists them as pending.
  const queue = await context.newPage();
  await queue.goto('/fila');
  await hydrated(queue);
  const table = queue.getByRole('table', { name: 'Mensagens na fila' });
  for (const name of [...CLIENTS, CANCELLED]) {
    await expect(table.getByRole('row', { name: new RegExp(name) })).toContainText('Pendente');
  }
  // Sending one again now keeps it pending (and due now); nothing failed to re-queue.
  const firstRow = table.getByRole('row', { name: new RegExp(CLIENTS[0]) });
  await firstRow.getByRole('button', { name: 'Reenviar agora' }).click();
  await expect(firstRow).toContainText('Pendente');
  await expect(firstRow.getByRole('alert')).toHaveCount(0);
  await queue.getByRole('button', { name: 'Reenfileirar erros' }).click();
  await expect(queue.getByRole('status').filter({ hasText: 'reenfileirada' })).toHaveText('0 mensagens reenfileiradas.');
  // One greeting is cancelled there; the dashboard counts it at once.
  const cancelledRow = table.getByRole('row', { name: new RegExp(CANCELLED) });
  await cancelledRow.getByRole('button', { name: 'Cancelar' }).click();
  await expect(cancelledRow).toContainText('Cancelado');
  await expect(cancelledRow.getByRole('button', { name: 'Cancelar' })).toHaveCount(0);
  await expect(count(page, 'cancelado')).toHaveText(String(cancelledBefore + 1));
  await expect(count(page, 'pendente')).toHaveText(String(pendingBefore + enqueued - 1));
  const greeted = enqueued - 1;

  // Send: the sent count reaches everyone greeted, live; the cancelled one stays out.
  await page.bringToFront();
  await runNow.getByRole('listitem').filter({ hasText: 'Envia Mensagens Omnichannel da Fila' })
    .getByRole('button', { name: 'Executar agora' }).click();
  await expect(count(page, 'enviado')).toHaveText(String(sentBefore + greeted), { timeout: 60_000 });
  await expect(count(page, 'pendente')).toHaveText(String(pendingBefore));
  const sendRun = runs.getByRole('row')
    .filter({ hasText: 'Envia Mensagens Omnichannel da Fila' })
    .filter({ hasText: 'Manual' }).first();
  await expect(sendRun).toContainText('Sucesso');
  await expect(sendRun).toContainText(`enviadas: ${greeted}`);
  await expect(page.getByRole('img', { name: /Últimos 30 dias/ }))
    .toHaveAttribute('aria-label', new RegExp(`: ${sentBefore + greeted} mensage`));
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // ...and the queue tab followed without a reload.
  for (const name of CLIENTS) {
    await expect(table.getByRole('row', { name: new RegExp(name) })).toContainText('Enviado');
  }

  // The detail of one message: its text, the admin's re-send and the delivery.
  await queue.goto('/fila?status=enviado&cliente=Fila%20Um');
  await expect(table.getByRole('row', { name: /Aniversariante Fila Um/ })).toContainText('Enviado');
  await table.getByRole('row', { name: /Aniversariante Fila Um/ }).getByRole('link', { name: 'Detalhes' }).click();
  await expect(queue.getByTestId('queue-text')).toContainText('Aniversariante Fila Um');
  await expect(queue.getByTestId('queue-text')).toContainText('NetFibra');
  const attempts = queue.getByRole('table', { name: 'Tentativas' });
  await expect(attempts).toContainText('Reenvio solicitado');
  await expect(attempts).toContainText('Enviado');

  // A reversed date range is refused beside the field, before any request.
  await queue.goto('/fila');
  await hydrated(queue);
  await queue.getByLabel('Enfileiradas de').fill('2026-11-02');
  await queue.getByLabel('até', { exact: true }).fill('2026-11-01');
  await expect(queue.locator('#to-error')).toHaveText('A data final é anterior à inicial.');
  await queue.getByRole('button', { name: 'Filtrar' }).click();
  await expect(queue).toHaveURL(/\/fila$/);

  // The client's page lists the message.
  await queue.goto('/clientes/9101');
  await expect(queue.getByRole('table', { name: 'Mensagens do cliente' })).toContainText('Enviado');

  // The sandbox outbox holds the greetings.
  await queue.goto('/integracoes/opa');
  const outbox = queue.getByRole('table', { name: 'Caixa de saída do sandbox' });
  for (const name of CLIENTS) {
    await expect(outbox.getByRole('row', { name: new RegExp(name) })).toHaveCount(1);
  }
  await expect(outbox.getByRole('row', { name: new RegExp(CANCELLED) })).toHaveCount(0);
});
