import { Browser, BrowserContext, Page } from 'playwright-core';
import { join } from 'node:path';
import {
  DESKTOP,
  launchChromium,
  PHONE,
  screenshot,
  texts,
  waitForText,
  watchErrors,
} from './support/browser';
import { Dashboard } from './support/dashboard';
import {
  AppProcess,
  postTrade,
  root,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
  waitUntil,
} from './support/stack';
import { StaticServer, startStaticServer } from './support/static-server';

// Ports of this suite (other suites and `npm start` use others).
const API_PORT = 14001;
const MATCHER_HEALTH_PORT = 14101;
const WEB_PORT = 14000;
const API_URL = `http://127.0.0.1:${API_PORT}`;

describe('dashboard in Chromium (production build, real api, matcher, PostgreSQL, Kafka)', () => {
  let api: AppProcess;
  let matcher: AppProcess;
  let web: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let dashboard: Dashboard;

  beforeAll(async () => {
    [api, matcher] = await Promise.all([startApi(API_PORT), startMatcher(MATCHER_HEALTH_PORT)]);
    web = await startStaticServer({ root: join(root, 'dist/web/browser'), port: WEB_PORT, apiUrl: API_URL });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await Promise.all([stop(api), stop(matcher)]);
  });

  beforeEach(async () => {
    context = await browser.newContext(DESKTOP);
    page = await context.newPage();
    errors = watchErrors(page);
    dashboard = new Dashboard(page);
  });

  afterEach(async () => {
    await context?.close();
  });

  it('records the seed scenario through the form: lots 20 and 50 remain, realized P&L is 1600', async () => {
    const account = uniqueAccount('seed');
    await dashboard.open(web.url, '/positions');
    await dashboard.switchAccount(account);
    await waitForText(page.locator('main .page__empty'), `No open positions in account ${account}`);

    const trades = [
      { side: 'Buy', symbol: 'aapl', quantity: '100', price: '150', executedAt: '2026-01-05T10:01' },
      { side: 'Buy', symbol: 'AAPL', quantity: '50', price: '160', executedAt: '2026-01-05T10:02' },
      { side: 'Sell', symbol: 'AAPL', quantity: '80', price: '170', executedAt: '2026-01-05T10:03' },
    ] as const;
    for (const trade of trades) {
      const id = await dashboard.addTrade(trade);
      const shown = await dashboard.waitForStatus(id, 'Applied');
      // innerText shows the side badge upper-cased, as the user sees it.
      expect(shown).toContain(`${trade.side.toUpperCase()} ${trade.quantity} AAPL @`);
    }

    // Positions refreshed live (no reload): one row; expanding it fetches its lots, in FIFO order.
    const row = page.locator('tr.position-row[data-symbol="AAPL"]');
    await waitForText(row, '157.142857142857142857');
    expect(await texts(row.locator('td'))).toEqual(['', 'AAPL', '70', '157.142857142857142857', '11,000.00']);
    await page.getByRole('button', { name: 'Show lots of AAPL' }).click();
    const lots = page.locator('[id="lots-AAPL"] tbody tr');
    await lots.first().waitFor();
    const lotCells = await Promise.all((await lots.all()).map((lot) => texts(lot.locator('td'))));
    expect(lotCells.map((cells) => [cells[0], cells[2], cells[3], cells[4]])).toEqual([
      ['1', '100', '20', '150.00'],
      ['2', '50', '50', '160.00'],
    ]);
    expect(lotCells[0]?.[1]).toBe('Jan 5, 2026, 10:01:00 AM');
    await waitForText(page.locator('[id="lots-AAPL"]'), '2 lots · all loaded');
    await screenshot(page, 'seed-1-positions-lots');

    await dashboard.nav('P&L');
    await waitForText(page.getByTestId('pnl-total'), '+1,600.00');
    const entry = page.locator('tr[data-entry-id]');
    expect(await entry.count()).toBe(1);
    expect(await texts(entry.locator('td'))).toEqual([
      '1/5/26, 10:03:00 AM', // when the sell was executed
      'AAPL',
      '80',
      '170.00',
      expect.stringMatching(/^#\d+$/),
      '150.00',
      '+1,600.00',
      expect.stringMatching(/^#\d+$/),
    ]);
    await page.locator('lw-pnl-chart canvas').waitFor();
    await screenshot(page, 'seed-2-pnl');

    await dashboard.nav('Trades');
    await waitForText(page.locator('tr[data-trade-id]').first(), 'Applied');
    expect(await page.locator('tr[data-trade-id][data-status="APPLIED"]').count()).toBe(3);
    await screenshot(page, 'seed-3-trades');

    // The same views in the dark theme (the choice survives a reload).
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await dashboard.nav('P&L');
    await waitForText(page.getByTestId('pnl-total'), '+1,600.00');
    await screenshot(page, 'seed-4-pnl-dark');
    await dashboard.nav('Positions');
    await page.getByRole('button', { name: 'Show lots of AAPL' }).click();
    await page.locator('[id="lots-AAPL"] tbody tr').first().waitFor();
    await screenshot(page, 'seed-5-positions-dark');

    // And on a phone, 390 px wide.
    const phone = await browser.newContext({ ...PHONE, colorScheme: 'light' });
    const phonePage = await phone.newPage();
    const phoneErrors = watchErrors(phonePage);
    const onPhone = new Dashboard(phonePage);
    await onPhone.open(web.url, '/positions');
    await onPhone.switchAccount(account);
    await phonePage.getByRole('button', { name: 'Show lots of AAPL' }).click();
    await phonePage.locator('[id="lots-AAPL"] tbody tr').first().waitFor();
    await screenshot(phonePage, 'phone-1-positions');
    await onPhone.nav('P&L');
    await waitForText(phonePage.getByTestId('pnl-total'), '+1,600.00');
    await screenshot(phonePage, 'phone-2-pnl');
    await onPhone.nav('Trades');
    await phonePage.locator('tr[data-trade-id]').first().waitFor();
    await screenshot(phonePage, 'phone-3-trades');
    await phonePage.getByRole('button', { name: 'New trade' }).click();
    await onPhone.ticket.getByRole('radio', { name: 'Sell' }).click();
    await onPhone.ticket.getByLabel('Symbol', { exact: true }).fill('AAPL');
    await onPhone.ticket.getByLabel('Quantity', { exact: true }).fill('0');
    await onPhone.ticket.getByRole('button', { name: 'Add trade' }).click();
    await waitForText(onPhone.ticket.locator('mat-error').first(), 'must be greater than 0');
    await screenshot(phonePage, 'phone-4-ticket-validation');
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0); // wide tables scroll inside their card, not the page
    await phone.close();

    expect(phoneErrors).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('shows the rejection reason of an oversell', async () => {
    const account = uniqueAccount('oversell');
    await dashboard.open(web.url, '/trades');

    // The account is typed into the ticket's Account field; the dashboard follows it.
    const buy = await dashboard.addTrade({
      side: 'Buy',
      symbol: 'XYZ',
      quantity: '10.5',
      price: '5',
      account,
    });
    await dashboard.waitForStatus(buy, 'Applied');
    await waitForText(page.locator('main .page__subtitle'), account);

    const sell = await dashboard.addTrade({ side: 'Sell', symbol: 'XYZ', quantity: '15', price: '6' });
    const shown = await dashboard.waitForStatus(sell, 'Rejected');
    expect(shown).toContain('insufficient quantity: open 10.5, sell 15');

    // The trade history shows it too, with the reason, without a reload.
    const row = page.locator(`tr[data-trade-id="${sell}"]`);
    await waitForText(row, 'insufficient quantity: open 10.5, sell 15');
    expect(await row.getAttribute('data-status')).toBe('REJECTED');
    await page.getByRole('radio', { name: 'Rejected' }).click();
    await waitUntil('only the rejected trade listed', 15_000, async () => {
      const statuses = await page
        .locator('tr[data-trade-id]')
        .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset['status']));
      return statuses.length === 1 && statuses[0] === 'REJECTED';
    });
    await screenshot(page, 'oversell-rejected');
    expect(errors).toEqual([]);
  });

  it('shows a trade posted through the REST api on an open dashboard without reload', async () => {
    const account = uniqueAccount('rest');
    await dashboard.open(web.url, '/positions');
    await dashboard.switchAccount(account);
    await waitForText(page.locator('lw-stream-status'), 'Live');
    await waitForText(page.locator('main .page__empty'), `No open positions in account ${account}`);
    await page.evaluate(() => ((window as unknown as Record<string, unknown>)['lwNoReload'] = true));

    const trade = await postTrade(API_URL, { account, symbol: 'MSFT', qty: '12.5', price: '401.25' });

    const row = page.locator('tr.position-row[data-symbol="MSFT"]');
    await waitForText(row, '5,015.625', 60_000);
    expect(await texts(row.locator('td'))).toEqual(['', 'MSFT', '12.5', '401.25', '5,015.625']);
    await screenshot(page, 'rest-1-positions');

    await dashboard.nav('Trades');
    await waitForText(page.locator(`tr[data-trade-id="${trade.id}"]`), 'Applied');

    // A second one arrives while the Trades page is open.
    const second = await postTrade(API_URL, { account, symbol: 'MSFT', qty: '-2.5', price: '410' });
    await waitForText(page.locator(`tr[data-trade-id="${second.id}"]`), 'Applied', 60_000);
    expect(await texts(page.locator('tr[data-trade-id] .side-badge'))).toEqual(['Sell', 'Buy']);
    await screenshot(page, 'rest-2-trades');

    expect(await page.evaluate(() => (window as unknown as Record<string, unknown>)['lwNoReload'])).toBe(
      true,
    );
    expect(errors).toEqual([]);
  });
});
