import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { PnlPage as PnlPageResponse, RealizedPnlEntry } from '@lotwise/contracts';
import { API, FakeEventSources, provideDashboardTesting } from '../../../testing/fakes';
import { PnlPage } from './pnl-page';
import { cumulativePnlSeries } from './pnl-series';

function entry(overrides: Partial<RealizedPnlEntry>): RealizedPnlEntry {
  return {
    id: '1',
    account: 'default',
    symbol: 'AAPL',
    qty: '80',
    buyPrice: '150',
    sellPrice: '170',
    realizedPnl: '1600',
    lotId: '1',
    sellTradeId: '3',
    executedAt: '2026-01-05T10:03:00.000Z',
    createdAt: '2026-01-05T10:03:00.500Z',
    ...overrides,
  };
}

const SEED: PnlPageResponse = {
  items: [
    entry({
      id: '2',
      symbol: 'MSFT',
      qty: '5',
      buyPrice: '400',
      sellPrice: '390.5',
      realizedPnl: '-47.5',
      lotId: '9',
      sellTradeId: '21',
      executedAt: '2026-01-06T11:00:00.000Z',
      createdAt: '2026-01-06T11:00:00.200Z',
    }),
    entry({ id: '1' }),
  ],
  nextCursor: null,
  totals: [
    { symbol: 'MSFT', realizedPnl: '-47.5' },
    { symbol: 'AAPL', realizedPnl: '1600' },
  ],
  total: '1552.5',
};

describe('PnlPage', () => {
  let fixture: ComponentFixture<PnlPage>;
  let http: HttpTestingController;
  let sources: FakeEventSources;

  const host = () => fixture.nativeElement as HTMLElement;
  const bodyRows = () => Array.from(host().querySelectorAll<HTMLTableRowElement>('tr[data-entry-id]'));
  const loadMore = () =>
    Array.from(host().querySelectorAll<HTMLButtonElement>('button')).find(
      (b) => b.textContent?.trim() === 'Load more',
    );

  beforeEach(async () => {
    sources = new FakeEventSources();
    TestBed.configureTestingModule({
      imports: [PnlPage],
      providers: [provideDashboardTesting({ sources })],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(PnlPage);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function flush(response: PnlPageResponse = SEED, query = 'account=default&limit=100') {
    http.expectOne(`${API}/pnl?${query}`).flush(response);
    await fixture.whenStable();
  }

  it("shows the api's grand total, totals per symbol and the consumed lot of each entry", async () => {
    await flush();

    expect(host().querySelector('[data-testid="pnl-total"]')?.textContent).toContain('+1,552.50');
    expect(host().querySelector('[data-testid="pnl-total"] .gain')).not.toBeNull();
    expect(host().querySelector('[data-symbol="MSFT"]')?.textContent).toContain('-47.50');
    expect(host().querySelector('[data-symbol="MSFT"] .loss')).not.toBeNull();

    // Newest sale first by default.
    expect(bodyRows().map((row) => row.dataset['entryId'])).toEqual(['2', '1']);
    const cells = Array.from(bodyRows()[1]?.querySelectorAll('td') ?? []).map((td) => td.textContent?.trim());
    expect(cells.slice(1)).toEqual(['AAPL', '80', '170.00', '#1', '150.00', '+1,600.00', '#3']);
    expect(host().querySelector('lw-pnl-chart canvas')?.getAttribute('aria-label')).toBe(
      'Cumulative realized P&L over time: AAPL +1,600, MSFT -47.5',
    );
  });

  it("dates each entry by its sell's execution, not by when it was booked", async () => {
    await flush({
      ...SEED,
      items: [
        entry({ id: '1', executedAt: '2025-12-31T09:00:00.000Z', createdAt: '2026-01-05T10:03:00.000Z' }),
      ],
    });
    const soldAt = bodyRows()[0]?.querySelector('td')?.textContent?.trim();
    expect(soldAt).toMatch(/^12\/31\/25,/);
  });

  it('loads the next page with the cursor, appends it and keeps the totals of every entry', async () => {
    const page = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        entry({
          id: String(from - i),
          realizedPnl: '1',
          executedAt: new Date(Date.UTC(2026, 0, 5, 10, from - i)).toISOString(),
        }),
      );
    const totals = { totals: [{ symbol: 'AAPL', realizedPnl: '150' }], total: '150' };
    await flush({ items: page(150, 100), nextCursor: '51', ...totals });
    expect(bodyRows()).toHaveLength(100);
    expect(host().querySelector('[data-testid="pnl-total"]')?.textContent).toContain('+150.00');
    expect(host().querySelector('.more')?.textContent).toContain('100 entries shown');

    loadMore()?.click();
    await fixture.whenStable();
    await flush({ items: page(50, 50), nextCursor: null, ...totals }, 'account=default&limit=100&cursor=51');

    expect(bodyRows()).toHaveLength(150);
    expect(bodyRows().at(-1)?.dataset['entryId']).toBe('1');
    expect(loadMore()).toBeUndefined();
    expect(host().querySelector('.more')?.textContent).toContain('all loaded');
  });

  it('re-reads the newest entries and the totals when a trade is applied', async () => {
    await flush({ ...SEED, nextCursor: '1' });
    loadMore()?.click();
    await fixture.whenStable();
    await flush(
      { ...SEED, items: [entry({ id: '0', symbol: 'MSFT' })], nextCursor: null },
      'account=default&limit=100&cursor=1',
    );

    sources.latest.open();
    sources.latest.emit({
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '30',
        account: 'default',
        symbol: 'AAPL',
        status: 'APPLIED',
        settledAt: '2026-01-07T10:00:00Z',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await flush({
      items: [entry({ id: '3', realizedPnl: '10', executedAt: '2026-01-07T10:00:00.000Z' }), ...SEED.items],
      nextCursor: null,
      totals: [
        { symbol: 'AAPL', realizedPnl: '1610' },
        { symbol: 'MSFT', realizedPnl: '-47.5' },
      ],
      total: '1562.5',
    });
    expect(bodyRows().map((row) => row.dataset['entryId'])).toEqual(['3', '2', '1']);
    expect(host().querySelector('[data-testid="pnl-total"]')?.textContent).toContain('+1,562.50');
  });

  it('shows the empty state without entries', async () => {
    await flush({ items: [], nextCursor: null, totals: [], total: '0' });
    expect(host().querySelector('.page__empty')?.textContent).toContain('No realized P&L in account default');
  });

  it('shows an error with a retry when the api fails', async () => {
    http.expectOne(`${API}/pnl?account=default&limit=100`).flush('boom', { status: 503, statusText: 'x' });
    await fixture.whenStable();
    expect(host().querySelector('[role="alert"]')?.textContent).toContain('Could not load P&L: HTTP 503');
    host().querySelector<HTMLButtonElement>('[role="alert"] button')?.click();
    await flush();
    expect(bodyRows()).toHaveLength(2);
  });
});

describe('cumulativePnlSeries', () => {
  it('sums each symbol exactly over execution time, from 0, carried to the last sale', () => {
    const series = cumulativePnlSeries([
      entry({ id: '3', realizedPnl: '0.2', executedAt: '2026-01-05T10:05:00.000Z' }),
      entry({ id: '1', realizedPnl: '0.1', executedAt: '2026-01-05T10:03:00.000Z' }),
      entry({ id: '2', symbol: 'MSFT', realizedPnl: '-5', executedAt: '2026-01-05T10:04:00.000Z' }),
    ]);

    expect(series.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(series[0]?.points.map((p) => p.exact)).toEqual(['0', '0.1', '0.3']);
    expect(series[0]?.total).toBe('0.3');
    expect(series[1]?.points.map((p) => [p.x, p.exact])).toEqual([
      [Date.parse('2026-01-05T10:04:00.000Z'), '0'],
      [Date.parse('2026-01-05T10:04:00.000Z'), '-5'],
      [Date.parse('2026-01-05T10:05:00.000Z'), '-5'],
    ]);
  });

  it('plots by execution time: a backdated sell booked last steps first', () => {
    const [series] = cumulativePnlSeries([
      entry({
        id: '2',
        realizedPnl: '5',
        executedAt: '2026-01-05T09:00:00.000Z',
        createdAt: '2026-01-05T12:00:00.000Z',
      }),
      entry({
        id: '1',
        realizedPnl: '1',
        executedAt: '2026-01-05T10:00:00.000Z',
        createdAt: '2026-01-05T10:00:00.000Z',
      }),
    ]);
    expect(series?.points.map((p) => [new Date(p.x).toISOString(), p.exact])).toEqual([
      ['2026-01-05T09:00:00.000Z', '0'],
      ['2026-01-05T09:00:00.000Z', '5'],
      ['2026-01-05T10:00:00.000Z', '6'],
    ]);
  });

  it("ends at the api's total when only the newest entries are loaded, starting from what the older ones add up to", () => {
    const [series] = cumulativePnlSeries(
      [
        entry({ id: '9', realizedPnl: '-2.5', executedAt: '2026-01-05T10:09:00.000Z' }),
        entry({ id: '8', realizedPnl: '1', executedAt: '2026-01-05T10:08:00.000Z' }),
      ],
      [{ symbol: 'AAPL', realizedPnl: '100.1' }],
    );
    expect(series?.points.map((p) => p.exact)).toEqual(['101.6', '102.6', '100.1']);
    expect(series?.total).toBe('100.1');
  });
});
