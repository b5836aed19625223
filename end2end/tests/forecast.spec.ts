import { test, expect, Page } from '@playwright/test';
import { createMessage, hydrated, login } from './helpers';

/** `dd/mm/aaaa` and `mm-dd` of today plus `days` in the business time zone. */
function dayInSaoPaulo(days: number): { shown: string; mmdd: string } {
  const at = new Date(Date.now() + days * 86_400_000);
  const [yyyy, mm, dd] = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Sao_Paulo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at).split('-');
  return { shown: `${dd}/${mm}/${yyyy}`, mmdd: `${mm}-${dd}` };
}

const SOON = ['Previsto Um', 'Previsto Dois', 'Previsto Três'];

async function importClientsBornIn(page: Page, days: number) {
  const { mmdd } = dayInSaoPaulo(days);
  const rows = SOON.map((name, i) => `${9301 + i};${name};;F;S;1992-${mmdd};(11) 97300-000${i + 1};;;São Paulo;SP`);
  const csv = ['id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf', ...rows].join('\n');
  await page.goto('/clientes/importar');
  await hydrated(page);
  await page.getByLabel('Arquivo CSV').setInputFiles({
    name: 'aniversariantes-em-breve.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv, 'utf-8'),
  });
  await page.getByRole('button', { name: 'Importar' }).click();
  await expect(page.getByText('Importação concluída.')).toBeVisible();
}

test('the forecast shows the next days greetings and their cost at the price in Parâmetros', async ({ page }) => {
  await login(page);
  await importClientsBornIn(page, 3);
  await createMessage(page, 'Felicitações previstas');
  await page.goto('/parametros');
  await hydrated(page);
  await page.getByLabel('Mensagem omnichannel').selectOption({ label: 'Felicitações previstas' });
  // A price the shared validator refuses is shown beside its field and not saved.
  await page.getByLabel('Preço por mensagem (previsão de custo)').fill('0,12345');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Informe o preço com até quatro casas decimais')).toBeVisible();
  await page.getByLabel('Preço por mensagem (previsão de custo)').fill('0,50');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await expect(page.getByText('Parâmetros salvos.')).toBeVisible();

  for (const path of ['/', '/clientes/aniversariantes']) {
    await page.goto(path);
    await hydrated(page);
    const forecast = page.getByRole('region', { name: 'Previsão' });
    await expect(forecast).toContainText('R$ 0,50 por mensagem entregue');
    await expect(forecast).toContainText('Limite diário do canal: 50.000 mensagens.');
    const day = forecast.getByRole('table', { name: 'Previsão por dia' })
      .getByRole('row').filter({ hasText: dayInSaoPaulo(3).shown });
    const cells = day.getByRole('cell');
    const greetings = Number(await cells.nth(1).textContent());
    expect(greetings, path).toBeGreaterThanOrEqual(SOON.length);
    // Three clients (or more, from other tests' imports) at R$ 0,50 each.
    const cost = (greetings * 0.5).toFixed(2).replace('.', ',');
    await expect(cells.nth(2)).toHaveText(`R$ ${cost}`);
  }
});
