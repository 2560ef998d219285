import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { PnlResponse, RealizedPnlEntry } from '@lotwise/contracts';
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
    createdAt: '2026-01-05T10:03:00.000Z',
    ...overrides,
  };
}

const SEED: PnlResponse = {
  entries: [
    entry({ id: '1' }),
    entry({
      id: '2',
      symbol: 'MSFT',
      qty: '5',
      buyPrice: '400',
      sellPrice: '390.5',
      realizedPnl: '-47.5',
      lotId: '9',
      sellTradeId: '21',
      createdAt: '2026-01-06T11:00:00.000Z',
    }),
  ],
  totals: [
    { symbol: 'MSFT', realizedPnl: '-47.5' },
    { symbol: 'AAPL', realizedPnl: '1600' },
  ],
  total: '1552.5',
};

describe('PnlPage', () => {
  let fixture: ComponentFixture<PnlPage>;
  let http: HttpTestingController;

  const host = () => fixture.nativeElement as HTMLElement;
  const bodyRows = () => Array.from(host().querySelectorAll<HTMLTableRowElement>('tr[data-entry-id]'));

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [PnlPage],
      providers: [provideDashboardTesting({ sources: new FakeEventSources() })],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(PnlPage);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function flush(response: PnlResponse = SEED) {
    http.expectOne(`${API}/pnl?account=default`).flush(response);
    await fixture.whenStable();
  }

  it('shows the grand total, totals per symbol and the consumed lot of each entry', async () => {
    await flush();

    expect(host().querySelector('[data-testid="pnl-total"]')?.textContent).toContain('+1,552.50');
    expect(host().querySelector('[data-testid="pnl-total"] .gain')).not.toBeNull();
    expect(host().querySelector('[data-symbol="MSFT"]')?.textContent).toContain('-47.50');
    expect(host().querySelector('[data-symbol="MSFT"] .loss')).not.toBeNull();

    // Newest first by default.
    expect(bodyRows().map((row) => row.dataset['entryId'])).toEqual(['2', '1']);
    const cells = Array.from(bodyRows()[1]?.querySelectorAll('td') ?? []).map((td) => td.textContent?.trim());
    expect(cells.slice(1)).toEqual(['AAPL', '80', '170.00', '#1', '150.00', '+1,600.00', '#3']);
    expect(host().querySelector('lw-pnl-chart canvas')?.getAttribute('aria-label')).toBe(
      'Cumulative realized P&L over time: AAPL +1,600, MSFT -47.5',
    );
  });

  it('paginates the entries', async () => {
    const entries = Array.from({ length: 23 }, (_, i) =>
      entry({ id: String(i + 1), createdAt: new Date(Date.UTC(2026, 0, 5, 10, i)).toISOString() }),
    );
    await flush({ entries, totals: [{ symbol: 'AAPL', realizedPnl: '36800' }], total: '36800' });

    expect(bodyRows()).toHaveLength(10);
    expect(bodyRows()[0]?.dataset['entryId']).toBe('23');
    expect(host().querySelector('.mat-mdc-paginator-range-label')?.textContent?.trim()).toBe('1 – 10 of 23');

    host().querySelector<HTMLButtonElement>('button.mat-mdc-paginator-navigation-next')?.click();
    await fixture.whenStable();
    expect(bodyRows()[0]?.dataset['entryId']).toBe('13');
  });

  it('shows the empty state without entries', async () => {
    await flush({ entries: [], totals: [], total: '0' });
    expect(host().querySelector('.page__empty')?.textContent).toContain('No realized P&L in account default');
  });
});

describe('cumulativePnlSeries', () => {
  it('sums each symbol exactly over time, from 0, carried to the last sale', () => {
    const series = cumulativePnlSeries([
      entry({ id: '3', realizedPnl: '0.2', createdAt: '2026-01-05T10:05:00.000Z' }),
      entry({ id: '1', realizedPnl: '0.1', createdAt: '2026-01-05T10:03:00.000Z' }),
      entry({ id: '2', symbol: 'MSFT', realizedPnl: '-5', createdAt: '2026-01-05T10:04:00.000Z' }),
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
});
