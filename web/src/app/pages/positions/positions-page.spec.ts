import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { Lot, LotPage, PositionPage } from '@lotwise/contracts';
import { AccountService } from '../../core/account.service';
import { API, FakeEventSources, provideDashboardTesting } from '../../../testing/fakes';
import { PositionsPage } from './positions-page';

const SEED: PositionPage = {
  items: [
    {
      account: 'default',
      symbol: 'AAPL',
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
    },
    { account: 'default', symbol: 'MSFT', quantity: '10', costBasis: '4000', averageCost: '400' },
  ],
  nextCursor: null,
};

function lot(id: string, qty: string, remainingQty: string, price: string, minute: number): Lot {
  return {
    id,
    tradeId: String(10 + Number(id)),
    qty,
    remainingQty,
    price,
    openedAt: new Date(Date.UTC(2026, 0, 5, 10, minute)).toISOString(),
  };
}

const AAPL_LOTS: LotPage = {
  items: [lot('1', '100', '20', '150', 1), lot('2', '50', '50', '160', 2)],
  nextCursor: null,
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
  const button = (label: string) => host().querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
  const buttonWithText = (text: string) =>
    Array.from(host().querySelectorAll<HTMLButtonElement>('button')).find(
      (b) => b.textContent?.trim() === text,
    );
  const positionsUrl = (query: string) => `${API}/positions?${query}`;
  const lotsUrl = (symbol: string, query: string) => `${API}/positions/default/${symbol}/lots?${query}`;

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

  async function flush(page: PositionPage = SEED, url = positionsUrl('account=default&limit=100')) {
    http.expectOne(url).flush(page);
    await fixture.whenStable();
  }

  async function flushLots(url: string, page: LotPage) {
    http.expectOne(url).flush(page);
    await fixture.whenStable();
  }

  async function expand(symbol: string) {
    button(`Show lots of ${symbol}`)?.click();
    await fixture.whenStable();
  }

  async function settle(status: 'APPLIED' | 'REJECTED') {
    sources.latest.open();
    sources.latest.emit({
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '13',
        account: 'default',
        symbol: 'AAPL',
        status,
        ...(status === 'REJECTED' ? { rejectReason: 'insufficient quantity: open 70, sell 500' } : {}),
        settledAt: '2026-01-05T10:03:00Z',
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('shows a progress bar while loading, then the first page of positions by symbol with exact numbers', async () => {
    expect(host().querySelector('mat-progress-bar')).not.toBeNull();
    await flush({ ...SEED, items: [...SEED.items].reverse() });

    expect(host().querySelector('mat-progress-bar')).toBeNull();
    expect(rows().map((row) => row.dataset['symbol'])).toEqual(['AAPL', 'MSFT']);
    expect(cells(rows()[0] as Element).slice(1)).toEqual([
      'AAPL',
      '70',
      '157.142857142857142857',
      '11,000.00',
    ]);
    expect(host().querySelector('tr.total-row')?.textContent).toContain('15,000.00');
    expect(host().querySelector('.more')?.textContent).toContain('2 positions shown');
    expect(host().querySelector('.more')?.textContent).toContain('all loaded');
  });

  it('asks for the lots of a position only when its row is expanded, and shows them in FIFO order', async () => {
    await flush();
    const toggle = button('Show lots of AAPL');
    expect(toggle?.getAttribute('aria-expanded')).toBe('false');
    http.expectNone((request) => request.url.includes('/lots'));

    await expand('AAPL');
    expect(toggle?.getAttribute('aria-expanded')).toBe('true');
    expect(host().querySelector('[id="lots-AAPL"]')?.textContent).toContain('Loading lots');
    await flushLots(lotsUrl('AAPL', 'limit=50'), AAPL_LOTS);

    const lots = lotRows('AAPL');
    expect(lots.map((row) => row.dataset['lotId'])).toEqual(['1', '2']);
    const [first, second] = lots.map((row) => cells(row));
    // FIFO rank, opened at, original qty, remaining qty, price, remaining cost, lot · trade
    expect(first?.[0]).toBe('1');
    expect(first?.slice(2)).toEqual(['100', '20', '150.00', '3,000.00', '#1 · trade #11']);
    expect(second?.slice(2)).toEqual(['50', '50', '160.00', '8,000.00', '#2 · trade #12']);
    expect(first?.[1]).toMatch(/2026/);
    expect(host().querySelector('[id="lots-AAPL"]')?.textContent).toContain('2 lots · all loaded');
    expect(lotRows('MSFT')).toHaveLength(0);

    toggle?.click();
    await fixture.whenStable();
    expect(lotRows('AAPL')).toHaveLength(0);
  });

  it('loads the next page of lots with the cursor and continues the FIFO ranks', async () => {
    await flush();
    await expand('AAPL');
    await flushLots(lotsUrl('AAPL', 'limit=50'), { items: AAPL_LOTS.items, nextCursor: 'c1' });
    expect(host().querySelector('[id="lots-AAPL"]')?.textContent).toContain('2 lots shown');

    button('Load more lots of AAPL')?.click();
    await fixture.whenStable();
    await flushLots(lotsUrl('AAPL', 'limit=50&cursor=c1'), {
      items: [lot('3', '5', '5', '170', 3)],
      nextCursor: null,
    });

    expect(lotRows('AAPL').map((row) => [cells(row)[0], row.dataset['lotId']])).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
    ]);
    expect(button('Load more lots of AAPL')).toBeNull();
  });

  it('shows a failed lots request with a retry, inside the expanded row', async () => {
    await flush();
    await expand('AAPL');
    http.expectOne(lotsUrl('AAPL', 'limit=50')).flush('boom', { status: 502, statusText: 'Bad Gateway' });
    await fixture.whenStable();
    const row = host().querySelector('[id="lots-AAPL"]');
    expect(row?.querySelector('[role="alert"]')?.textContent).toContain('Could not load lots: HTTP 502');

    row?.querySelector('button')?.click();
    await fixture.whenStable();
    await flushLots(lotsUrl('AAPL', 'limit=50'), AAPL_LOTS);
    expect(lotRows('AAPL')).toHaveLength(2);
    expect(host().querySelector('[id="lots-AAPL"] [role="alert"]')).toBeNull();
  });

  it('re-reads the positions and the lots of an expanded row when a trade is applied', async () => {
    await flush();
    await expand('AAPL');
    await flushLots(lotsUrl('AAPL', 'limit=50'), AAPL_LOTS);

    await settle('APPLIED');
    await flush({
      items: [{ ...(SEED.items[0] as PositionPage['items'][number]), quantity: '55' }],
      nextCursor: null,
    });
    await flushLots(lotsUrl('AAPL', 'limit=50'), {
      items: [{ ...(AAPL_LOTS.items[0] as Lot), remainingQty: '5' }, AAPL_LOTS.items[1] as Lot],
      nextCursor: null,
    });

    expect(cells(rows()[0] as Element)[2]).toBe('55');
    expect(button('Show lots of AAPL')?.getAttribute('aria-expanded')).toBe('true');
    expect(lotRows('AAPL').map((row) => cells(row)[3])).toEqual(['5', '50']);
  });

  it('does not re-fetch for a rejected trade', async () => {
    await flush();
    await settle('REJECTED');
    http.expectNone((request) => request.url.startsWith(`${API}/positions`));
  });

  it('loads more positions with the cursor and appends them', async () => {
    await flush({ items: [SEED.items[0] as PositionPage['items'][number]], nextCursor: 'default:AAPL' });
    expect(host().querySelector('.more')?.textContent).toContain('1 position shown');

    buttonWithText('Load more positions')?.click();
    await fixture.whenStable();
    await flush(
      { items: [SEED.items[1] as PositionPage['items'][number]], nextCursor: null },
      positionsUrl('account=default&limit=100&cursor=default:AAPL'),
    );
    expect(rows().map((row) => row.dataset['symbol'])).toEqual(['AAPL', 'MSFT']);
    expect(buttonWithText('Load more positions')).toBeUndefined();
    expect(host().querySelector('tr.total-row')?.textContent).toContain('Total');
  });

  it('labels the footer total as covering only the positions shown while more can be loaded', async () => {
    await flush({ items: SEED.items, nextCursor: 'default:MSFT' });
    expect(host().querySelector('tr.total-row')?.textContent).toContain('Total shown');
  });

  it('sorts the loaded positions by a column exactly (decimal strings, not floats)', async () => {
    const position = (symbol: string, quantity: string) => ({
      account: 'default',
      symbol,
      quantity,
      costBasis: '1',
      averageCost: '1',
    });
    await flush({
      items: [
        position('A', '0.100000000000000002'),
        position('B', '0.100000000000000001'),
        position('C', '9'),
      ],
      nextCursor: null,
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

  it('shows an empty state, and re-fetches from scratch for another account, collapsing every row', async () => {
    await flush();
    await expand('AAPL');
    await flushLots(lotsUrl('AAPL', 'limit=50'), AAPL_LOTS);

    TestBed.inject(AccountService).select('desk-2');
    await fixture.whenStable();
    expect(rows()).toHaveLength(0);
    await flush({ items: [], nextCursor: null }, positionsUrl('account=desk-2&limit=100'));
    expect(host().querySelector('.page__empty')?.textContent).toContain(
      'No open positions in account desk-2',
    );
    expect(lotRows('AAPL')).toHaveLength(0);
  });

  it('shows an error with a retry when the api fails', async () => {
    http
      .expectOne(positionsUrl('account=default&limit=100'))
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
