import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { API, FakeEventSources, provideDashboardTesting, trade } from '../../../testing/fakes';
import { TRADE_POLL_TIMING, TradeSettlement, TradeStatusTracker } from './trade-status-tracker.service';

describe('TradeStatusTracker', () => {
  let sources: FakeEventSources;
  let tracker: TradeStatusTracker;
  let http: HttpTestingController;
  let settlements: TradeSettlement[];

  beforeEach(() => {
    jest.useFakeTimers();
    sources = new FakeEventSources();
    TestBed.configureTestingModule({
      providers: [
        provideDashboardTesting({ sources }),
        {
          provide: TRADE_POLL_TIMING,
          useValue: { intervalMs: 2_000, maxIntervalMs: 10_000, streamGraceMs: 5_000, tickMs: 500 },
        },
      ],
    });
    tracker = TestBed.inject(TradeStatusTracker);
    http = TestBed.inject(HttpTestingController);
    settlements = [];
    tracker.settlements.subscribe((s) => settlements.push(s));
    TestBed.tick(); // the stream connects
  });

  afterEach(() => {
    http.verify();
    jest.useRealTimers();
  });

  it('leaves a young trade to the open stream, and announces its outcome once', () => {
    sources.latest.open();
    tracker.watch(trade({ id: '7' }));
    jest.advanceTimersByTime(4_500);
    http.expectNone(`${API}/trades/7`);

    const settled = {
      type: 'trade.settled',
      settlement: {
        eventVersion: 1,
        tradeId: '7',
        account: 'default',
        symbol: 'AAPL',
        status: 'APPLIED',
        settledAt: 'x',
      },
    } as const;
    sources.latest.emit(settled);
    sources.latest.emit(settled);

    expect(tracker.trades().get('7')?.status).toBe('APPLIED');
    expect(settlements.map((s) => s.tradeId)).toEqual(['7']);
  });

  it('polls a trade the stream stays silent about after the grace period', () => {
    sources.latest.open();
    tracker.watch(trade({ id: '8' }));
    jest.advanceTimersByTime(5_500);

    http.expectOne(`${API}/trades/8`).flush(trade({ id: '8' })); // still pending
    jest.advanceTimersByTime(2_000);
    http.expectOne(`${API}/trades/8`).flush(trade({ id: '8', status: 'APPLIED' }));

    expect(settlements).toEqual([{ tradeId: '8', account: 'default', symbol: 'AAPL', status: 'APPLIED' }]);
    jest.advanceTimersByTime(10_000);
    http.expectNone(`${API}/trades/8`);
  });

  it('polls every pending trade at once when the stream comes back (missed events are not replayed)', () => {
    sources.latest.open();
    tracker.watch(trade({ id: '9' }));
    sources.latest.fail();
    jest.advanceTimersByTime(500);
    http.expectOne(`${API}/trades/9`).flush(trade({ id: '9' }));

    jest.advanceTimersByTime(1_000); // reconnect after the 1 s backoff
    sources.latest.open();
    http
      .expectOne(`${API}/trades/9`)
      .flush(trade({ id: '9', status: 'REJECTED', rejectReason: 'insufficient quantity: open 0, sell 100' }));

    expect(tracker.trades().get('9')).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'insufficient quantity: open 0, sell 100',
    });
  });
});
