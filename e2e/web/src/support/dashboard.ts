import { Page } from 'playwright-core';
import { waitForText } from './browser';

export interface TicketEntry {
  readonly side: 'Buy' | 'Sell';
  readonly symbol: string;
  readonly quantity: string;
  readonly price: string;
  /** Typed into the datetime-local field (the browser's time zone; the tests use UTC). */
  readonly executedAt?: string;
  readonly account?: string;
}

/** How the tests use the dashboard: by labels and roles, as a person would. */
export class Dashboard {
  constructor(readonly page: Page) {}

  get ticket() {
    return this.page.getByRole('form', { name: 'New trade' });
  }

  async open(baseUrl: string, path = '/positions'): Promise<void> {
    await this.page.goto(`${baseUrl}${path}`);
    await this.page.getByRole('heading', { level: 1 }).waitFor();
  }

  /** Types an account into the toolbar's switcher and presses Enter. */
  async switchAccount(account: string): Promise<void> {
    const input = this.page.getByTestId('account-switcher');
    await input.fill(account);
    await input.press('Enter');
    await input.blur();
    await waitForText(this.page.locator('main .page__subtitle'), account);
  }

  async nav(label: 'Positions' | 'P&L' | 'Trades'): Promise<void> {
    await this.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: label, exact: true })
      .click();
    await this.page.waitForURL(
      (url) => url.pathname === { Positions: '/positions', 'P&L': '/pnl', Trades: '/trades' }[label],
    );
  }

  /** Fills the ticket, presses "Add trade" and returns the id of the trade it recorded. */
  async addTrade(entry: TicketEntry): Promise<string> {
    const ticket = this.ticket;
    await ticket.getByRole('radio', { name: entry.side, exact: true }).click();
    await ticket.getByLabel('Symbol', { exact: true }).fill(entry.symbol);
    await ticket.getByLabel('Quantity', { exact: true }).fill(entry.quantity);
    await ticket.getByLabel('Price', { exact: true }).fill(entry.price);
    if (entry.executedAt) await ticket.getByLabel('Executed at', { exact: true }).fill(entry.executedAt);
    if (entry.account) await ticket.getByLabel('Account', { exact: true }).fill(entry.account);

    const newest = this.page.locator('.recent__item').first();
    const before = (await newest.count()) > 0 ? await newest.getAttribute('data-trade-id') : null;
    await ticket.getByRole('button', { name: 'Add trade' }).click();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const id = (await newest.count()) > 0 ? await newest.getAttribute('data-trade-id') : null;
      if (id && id !== before) return id;
      if (Date.now() > deadline)
        throw new Error(`no new trade appeared after "Add trade" (${JSON.stringify(entry)})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The live status the ticket shows for a submitted trade, once it reads `status`. */
  async waitForStatus(tradeId: string, status: 'Applied' | 'Rejected', timeoutMs = 60_000): Promise<string> {
    const item = this.page.locator(`.recent__item[data-trade-id="${tradeId}"]`);
    await waitForText(item.locator('.status-badge'), status, timeoutMs);
    return (await item.innerText()).replace(/\s+/g, ' ').trim();
  }
}
