import { TestBed } from '@angular/core/testing';
import type { LotwiseStreamEvent } from '@lotwise/contracts';
import { ApiStatus, HealthService } from '../health.service';
import { AccountService } from '../account.service';
import { API, FakeEventSources, healthStub, provideDashboardTesting } from '../../../testing/fakes';
import { EventStreamService, STREAM_TIMING } from './event-stream.service';

describe('EventStreamService', () => {
  let sources: FakeEventSources;
  let stream: EventStreamService;
  let health: ReturnType<typeof healthStub>;
  let events: LotwiseStreamEvent[];
  let resyncs: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(1); // no jitter: delays are exactly 1, 2, 4 … s
    sources = new FakeEventSources();
    health = healthStub();
    TestBed.configureTestingModule({
      providers: [
        provideDashboardTesting({ sources }),
        health.provider,
        {
          provide: STREAM_TIMING,
          useValue: { initialRetryMs: 1000, maxRetryMs: 8000, staleAfterMs: 45_000 },
        },
      ],
    });
    stream = TestBed.inject(EventStreamService);
    events = [];
    resyncs = [];
    stream.events.subscribe((event) => events.push(event));
    stream.resyncs.subscribe((account) => resyncs.push(account));
    TestBed.tick();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('connects to /events for the selected account and passes its events on', () => {
    expect(sources.latest.url).toBe(`${API}/events?account=default`);
    expect(stream.state()).toBe('connecting');

    sources.latest.open();
    sources.latest.emit({ type: 'heartbeat', at: '2026-01-05T10:00:00Z' });
    sources.latest.onmessage?.(new MessageEvent('message', { data: 'not json' }));

    expect(stream.state()).toBe('open');
    expect(events).toEqual([{ type: 'heartbeat', at: '2026-01-05T10:00:00Z' }]);
    expect(resyncs).toEqual([]); // the first connection needs no re-sync
  });

  it('reconnects with exponential backoff and announces a re-sync once back', () => {
    sources.latest.open();
    sources.latest.fail();
    expect(sources.all[0]?.closed).toBe(true);
    expect(stream.state()).toBe('reconnecting');

    jest.advanceTimersByTime(999);
    expect(sources.all).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sources.all).toHaveLength(2);

    sources.latest.fail(); // still down: wait 2 s, then 4 s, capped at 8 s
    jest.advanceTimersByTime(1999);
    expect(sources.all).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(sources.all).toHaveLength(3);
    sources.latest.fail();
    jest.advanceTimersByTime(4000);
    sources.latest.fail();
    jest.advanceTimersByTime(8000);
    sources.latest.fail();
    jest.advanceTimersByTime(8000);
    expect(sources.all).toHaveLength(6);

    sources.latest.open();
    expect(stream.state()).toBe('open');
    expect(resyncs).toEqual(['default']);

    // After a successful reconnect the backoff starts again at 1 s.
    sources.latest.fail();
    jest.advanceTimersByTime(1000);
    expect(sources.all).toHaveLength(7);
  });

  it('treats a silent stream (no heartbeat for 45 s) as dropped', () => {
    sources.latest.open();
    jest.advanceTimersByTime(30_000);
    sources.latest.emit({ type: 'heartbeat', at: '2026-01-05T10:00:15Z' });
    jest.advanceTimersByTime(44_999);
    expect(stream.state()).toBe('open');

    jest.advanceTimersByTime(1);
    expect(stream.state()).toBe('reconnecting');
    expect(sources.all[0]?.closed).toBe(true);
  });

  it('retries at once when the api is healthy again', () => {
    sources.latest.fail();
    health.status.set({ state: 'online', checkedAt: new Date() } satisfies ApiStatus);
    TestBed.tick();
    expect(sources.all).toHaveLength(2);
    expect(TestBed.inject(HealthService)).toBeTruthy();
  });

  it('follows the account switcher with a new connection', () => {
    sources.latest.open();
    TestBed.inject(AccountService).select('desk-7');
    TestBed.tick();

    expect(sources.all[0]?.closed).toBe(true);
    expect(sources.latest.url).toBe(`${API}/events?account=desk-7`);
    expect(stream.account()).toBe('desk-7');
    expect(stream.state()).toBe('connecting');
  });
});
