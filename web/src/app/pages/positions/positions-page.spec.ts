import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { PositionsResponse } from '@lotwise/contracts';
import { AccountService } from '../../core/account.service';
import { API, FakeEventSources, provideDashboardTesting } from '../../../testing/fakes';
import { PositionsPage } from './positions-page';

const SEED: PositionsResponse = {
  positions: [
    {
      account: 'default',
      symbol: 'MSFT',
      quantity: '10',
      costBasis: '4000',
      averageCost: '400',
      lots: [
        {
          id: '9',
          tradeId: '19',
          qty: '10',
          remainingQty: '10',
          price: '400',
          openedAt: '2026-01-06T09:00:00.000Z',
        },
      ],
    },
    {
      account: 'default',
      symbol: 'AAPL',
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
      lots: [
        {
          id: '1',
          tradeId: '11',
          qty: '100',
          remainingQty: '20',
          price: '150',
          openedAt: '2026-01-05T10:01:00.000Z',
        },
        {
          id: '2',
          tradeId: '12',
          qty: '50',
          remainingQty: '50',
          price: '160',
          openedAt: '2026-01-05T10:02:00.000Z',
        },
      ],
    },
  ],
};

describe('PositionsPage', () => {
  let fixture: ComponentFixture<PositionsPage>;
  let http: HttpTestingController;
  let sources: FakeEventSources;

  const host = () => fixture.nativeElement as HTMLElement;
  const rows = () => Array.from(host().querySelectorAll<HTMLTableRowElement>('tr.position-row'));
  const cells = (row: Element) => Array.from(row.querySelectorAll('td')).map((td) => td.textContent?.trim());
  const lotRows = (symbol: string) =>
    Array.from(host().querySelectorAll<HTMLTableRowElement>(`[id="lots-${symbol}"] tbody tr`));

  beforeEach(async () => {
    sources = new FakeEventSources();
    TestBed.configureTestingModule({
      imports: [PositionsPage],
      providers: [provideDashboardTesting({ sources })],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(PositionsPage);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function flush(response: PositionsResponse = SEED, account = 'default') {
    http.expectOne(`${API}/positions?account=${account}`).flush(response);
    await fixture.whenStable();
  }

  it('shows a progress bar while loading, then the positions sorted by symbol with exact numbers', async () => {
    expect(host().querySelector('mat-progress-bar')).not.toBeNull();
    await flush();

    expect(host().querySelector('mat-progress-bar')).toBeNull();
    expect(rows().map((row) => row.dataset['symbol'])).toEqual(['AAPL', 'MSFT']);
    expect(cells(rows()[0] as Element).slice(1)).toEqual([
      'AAPL',
      '70',
      '157.142857142857142857',
      '11,000.00',
      '2',
    ]);
    expect(host().querySelector('tr.total-row')?.textContent).toContain('15,000.00');
  });

  it('expands a row to its open lots in FIFO order, and collapses it again', async () => {
    await flush();
    const toggle = host().querySelector<HTMLButtonElement>('button[aria-label="Show lots of AAPL"]');
    expect(toggle?.getAttribute('aria-expanded')).toBe('false');
    expect(lotRows('AAPL')).toHaveLength(0);

    toggle?.click();
    await fixture.whenStable();

    expect(toggle?.getAttribute('aria-expanded')).toBe('true');
    const lots = lotRows('AAPL');
    expect(lots.map((row) => row.dataset['lotId'])).toEqual(['1', '2']);
    const [first, second] = lots.map((row) => cells(row));
    // FIFO rank, opened at, original qty, remaining qty, price, remaining cost, lot · trade
    expect(first?.[0]).toBe('1');
    expect(first?.slice(2)).toEqual(['100', '20', '150.00', '3,000.00', '#1 · trade #11']);
    expect(second?.slice(2)).toEqual(['50', '50', '160.00', '8,000.00', '#2 · trade #12']);
    expect(first?.[1]).toMatch(/2026/);
    expect(lotRows('MSFT')).toHaveLength(0);

    toggle?.click();
    await fixture.whenStable();
    expect(lotRows('AAPL')).toHaveLength(0);
  });

  it('keeps a row expanded across a live refresh', async () => {
    await flush();
    host().querySelector<HTMLButtonElement>('button[aria-label="Show lots of AAPL"]')?.click();
    await fixture.whenStable();

    sources.latest.open();
    sources.latest.emit({
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '13',
        account: 'default',
        symbol: 'AAPL',
        status: 'APPLIED',
        settledAt: '2026-01-05T10:03:00Z',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const firstLot = SEED.positions[1]?.lots[0];
    if (!firstLot) throw new Error('seed has no lot');
    await flush({
      positions: [
        {
          ...(SEED.positions[1] as PositionsResponse['positions'][number]),
          lots: [{ ...firstLot, remainingQty: '5' }],
        },
      ],
    });

    expect(lotRows('AAPL').map((row) => cells(row)[3])).toEqual(['5']);
  });

  it('does not re-fetch for a rejected trade', async () => {
    await flush();
    sources.latest.open();
    sources.latest.emit({
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '14',
        account: 'default',
        symbol: 'AAPL',
        status: 'REJECTED',
        rejectReason: 'insufficient quantity: open 70, sell 500',
        settledAt: '2026-01-05T10:03:00Z',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    http.expectNone(`${API}/positions?account=default`);
  });

  it('sorts by a column exactly (decimal strings, not floats)', async () => {
    await flush({
      positions: [
        {
          account: 'default',
          symbol: 'A',
          quantity: '0.100000000000000002',
          costBasis: '1',
          averageCost: '1',
          lots: [],
        },
        {
          account: 'default',
          symbol: 'B',
          quantity: '0.100000000000000001',
          costBasis: '1',
          averageCost: '1',
          lots: [],
        },
        { account: 'default', symbol: 'C', quantity: '9', costBasis: '1', averageCost: '1', lots: [] },
      ],
    });
    const header = Array.from(host().querySelectorAll<HTMLElement>('th')).find(
      (th) => th.textContent?.trim() === 'Quantity',
    );
    header?.querySelector<HTMLElement>('.mat-sort-header-container')?.click();
    await fixture.whenStable();
    expect(rows().map((row) => row.dataset['symbol'])).toEqual(['B', 'A', 'C']);

    header?.querySelector<HTMLElement>('.mat-sort-header-container')?.click();
    await fixture.whenStable();
    expect(rows().map((row) => row.dataset['symbol'])).toEqual(['C', 'A', 'B']);
  });

  it('shows an empty state, and re-fetches from scratch for another account', async () => {
    await flush({ positions: [] });
    expect(host().querySelector('.page__empty')?.textContent).toContain(
      'No open positions in account default',
    );

    TestBed.inject(AccountService).select('desk-2');
    await fixture.whenStable();
    expect(host().querySelector('.page__empty')).toBeNull();
    await flush({ positions: [] }, 'desk-2');
    expect(host().querySelector('.page__empty')?.textContent).toContain('desk-2');
  });

  it('shows an error with a retry when the api fails', async () => {
    http
      .expectOne(`${API}/positions?account=default`)
      .flush('boom', { status: 502, statusText: 'Bad Gateway' });
    await fixture.whenStable();
    const alert = host().querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('Could not load positions: HTTP 502');

    alert?.querySelector('button')?.click();
    await flush();
    expect(host().querySelector('[role="alert"]')).toBeNull();
    expect(rows()).toHaveLength(2);
  });
});
