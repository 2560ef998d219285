import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { Trade, TradePage } from '@lotwise/contracts';
import { API, FakeEventSources, provideDashboardTesting, trade } from '../../../testing/fakes';
import { mergeHead, TradesPage } from './trades-page';

describe('TradesPage', () => {
  let fixture: ComponentFixture<TradesPage>;
  let http: HttpTestingController;
  let sources: FakeEventSources;

  const host = () => fixture.nativeElement as HTMLElement;
  const rows = () => Array.from(host().querySelectorAll<HTMLTableRowElement>('tr[data-trade-id]'));
  const ids = () => rows().map((row) => row.dataset['tradeId']);

  beforeEach(async () => {
    sources = new FakeEventSources();
    TestBed.configureTestingModule({
      imports: [TradesPage],
      providers: [provideDashboardTesting({ sources })],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TradesPage);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  async function answer(url: string, page: TradePage) {
    http.expectOne(`${API}/trades?${url}`).flush(page);
    await fixture.whenStable();
  }

  it('lists trades newest first with side, exact numbers and the reason of a rejection', async () => {
    await answer('account=default&limit=50', {
      items: [
        trade({
          id: '3',
          qty: '-500',
          price: '170',
          status: 'REJECTED',
          rejectReason: 'insufficient quantity: open 70, sell 500',
        }),
        trade({ id: '2', qty: '0.000000000000000001', price: '160.5', status: 'APPLIED' }),
      ],
      nextCursor: null,
    });

    expect(ids()).toEqual(['3', '2']);
    const rejected = rows()[0];
    expect(rejected?.querySelector('.side-badge')?.textContent?.trim()).toBe('Sell');
    expect(rejected?.textContent).toContain('500');
    expect(rejected?.querySelector('.status-reason')?.textContent?.trim()).toBe(
      'insufficient quantity: open 70, sell 500',
    );
    expect(rows()[1]?.textContent).toContain('0.000000000000000001');
    expect(rows()[1]?.textContent).toContain('160.50');
    expect(host().querySelector('.more')?.textContent).toContain('all loaded');
  });

  it('filters by status', async () => {
    await answer('account=default&limit=50', { items: [trade({ id: '1' })], nextCursor: null });

    const rejectedToggle = Array.from(
      host().querySelectorAll<HTMLButtonElement>('mat-button-toggle button'),
    ).find((button) => button.textContent?.trim() === 'Rejected');
    rejectedToggle?.click();
    await fixture.whenStable();

    await answer('account=default&limit=50&status=REJECTED', { items: [], nextCursor: null });
    expect(host().querySelector('.page__empty')?.textContent).toContain('match this filter');
  });

  it('loads older trades with "Load more"', async () => {
    await answer('account=default&limit=50', {
      items: [trade({ id: '60' }), trade({ id: '59' })],
      nextCursor: '59',
    });
    const more = Array.from(host().querySelectorAll<HTMLButtonElement>('button')).find(
      (button) => button.textContent?.trim() === 'Load more',
    );
    more?.click();
    await fixture.whenStable();

    await answer('account=default&limit=50&cursor=59', { items: [trade({ id: '58' })], nextCursor: null });
    expect(ids()).toEqual(['60', '59', '58']);
  });

  it('refreshes without reload when a trade of the account is submitted, and patches in its outcome', async () => {
    await answer('account=default&limit=50', {
      items: [trade({ id: '5', status: 'APPLIED' })],
      nextCursor: null,
    });
    sources.latest.open();

    const submitted = trade({ id: '6' });
    sources.latest.emit({ type: 'trade.submitted', trade: submitted });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await answer('account=default&limit=50', {
      items: [submitted, trade({ id: '5', status: 'APPLIED' })],
      nextCursor: null,
    });
    expect(ids()).toEqual(['6', '5']);
    expect(rows()[0]?.dataset['status']).toBe('PENDING');

    sources.latest.emit({
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '6',
        account: 'default',
        symbol: 'AAPL',
        status: 'APPLIED',
        settledAt: '2026-01-05T10:01:01Z',
      },
    });
    await fixture.whenStable();
    expect(rows()[0]?.dataset['status']).toBe('APPLIED'); // shown at once, before the re-read answers
    await new Promise((resolve) => setTimeout(resolve, 5));
    await answer('account=default&limit=50', {
      items: [{ ...submitted, status: 'APPLIED' }, trade({ id: '5', status: 'APPLIED' })],
      nextCursor: null,
    });
  });
});

describe('mergeHead', () => {
  const ids = (items: readonly Trade[]) => items.map((t) => t.id);

  it('replaces everything when the re-read reaches the end', () => {
    const merged = mergeHead(
      { items: [trade({ id: '2' }), trade({ id: '1' })], nextCursor: null },
      { items: [trade({ id: '3' }), trade({ id: '2' }), trade({ id: '1' })], nextCursor: null },
    );
    expect(ids(merged.items)).toEqual(['3', '2', '1']);
    expect(merged.nextCursor).toBeNull();
  });

  it('keeps older loaded pages beyond the re-read head', () => {
    const previous = { items: ['300', '250', '120', '10'].map((id) => trade({ id })), nextCursor: '10' };
    const merged = mergeHead(previous, {
      items: ['301', '300', '250'].map((id) => trade({ id })),
      nextCursor: '250',
    });
    expect(ids(merged.items)).toEqual(['301', '300', '250', '120', '10']);
    expect(merged.nextCursor).toBe('10');
  });
});
