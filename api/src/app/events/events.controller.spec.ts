import { LotwiseStreamEvent, Trade, TradeSettledEvent, TradeStatus } from '@lotwise/contracts';
import { MessageEvent } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Observable, ReplaySubject, Subject } from 'rxjs';
import { configureApp } from '../configure-app';
import { EventsController, EventsQueryDto } from './events.controller';
import { TradeEventsService } from './trade-events.service';

/** Stands in for TradeEventsService: the test pushes the events and announces shutdown itself. */
class FakeFeed implements Pick<TradeEventsService, 'stream' | 'closed'> {
  readonly events = new Subject<LotwiseStreamEvent>();
  readonly closing = new ReplaySubject<void>(1);

  get stream(): Observable<LotwiseStreamEvent> {
    return this.events.asObservable();
  }

  get closed(): Observable<void> {
    return this.closing.asObservable();
  }

  submitted(account: string): LotwiseStreamEvent {
    const event: LotwiseStreamEvent = { type: 'trade.submitted', trade: { ...trade, account } };
    this.events.next(event);
    return event;
  }

  settled(account: string): LotwiseStreamEvent {
    const event: LotwiseStreamEvent = { type: 'trade.settled', settlement: { ...settlement, account } };
    this.events.next(event);
    return event;
  }
}

const trade: Trade = {
  id: '42',
  account: 'alice',
  symbol: 'AAPL',
  qty: '100',
  price: '150.25',
  executedAt: '2026-11-25T14:30:00.000Z',
  receivedAt: '2026-11-25T14:30:00.120Z',
  status: TradeStatus.Pending,
};

const settlement: TradeSettledEvent = {
  eventVersion: 1,
  tradeId: '42',
  account: 'alice',
  symbol: 'AAPL',
  status: TradeStatus.Applied,
  settledAt: '2026-11-25T14:30:01.000Z',
};

function query(account?: string): EventsQueryDto {
  return Object.assign(new EventsQueryDto(), account === undefined ? {} : { account });
}

describe('EventsController', () => {
  const start = new Date('2026-11-25T14:30:00.000Z');
  let feed: FakeFeed;
  let controller: EventsController;

  beforeEach(async () => {
    jest.useFakeTimers({ now: start });
    feed = new FakeFeed();
    const moduleRef = await Test.createTestingModule({
      controllers: [EventsController],
      providers: [{ provide: TradeEventsService, useValue: feed }],
    }).compile();
    controller = moduleRef.get(EventsController);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Subscribes to the stream and collects what it sends, and whether it ended. */
  function open(account?: string) {
    const received: MessageEvent[] = [];
    const state = { completed: false };
    const subscription = controller.stream(query(account)).subscribe({
      next: (message) => received.push(message),
      complete: () => {
        state.completed = true;
      },
    });
    return { received, state, subscription };
  }

  it('sends every trade event as an SSE message when no account is given', () => {
    const { received } = open();
    const events = [feed.submitted('alice'), feed.settled('bob'), feed.submitted('carol')];
    expect(received).toEqual(events.map((data) => ({ data, type: 'message' })));
  });

  it("sends only the given account's submitted and settled trades", () => {
    const { received } = open('alice');
    feed.submitted('bob');
    const submitted = feed.submitted('alice');
    feed.settled('bob');
    const settledEvent = feed.settled('alice');
    feed.submitted('alice-2');
    expect(received).toEqual([
      { data: submitted, type: 'message' },
      { data: settledEvent, type: 'message' },
    ]);
  });

  it('sends a heartbeat every 15 s with the time it was sent, also on a filtered stream', () => {
    const { received } = open('alice');
    jest.advanceTimersByTime(14_999);
    expect(received).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(received).toEqual([
      { data: { type: 'heartbeat', at: '2026-11-25T14:30:15.000Z' }, type: 'message' },
    ]);
    jest.advanceTimersByTime(15_000);
    expect(received.map((m) => m.data)).toEqual([
      { type: 'heartbeat', at: '2026-11-25T14:30:15.000Z' },
      { type: 'heartbeat', at: '2026-11-25T14:30:30.000Z' },
    ]);
  });

  it('interleaves heartbeats with trade events', () => {
    const { received } = open();
    jest.advanceTimersByTime(15_000);
    const submitted = feed.submitted('alice');
    jest.advanceTimersByTime(15_000);
    expect(received.map((m) => m.data)).toEqual([
      { type: 'heartbeat', at: '2026-11-25T14:30:15.000Z' },
      submitted,
      { type: 'heartbeat', at: '2026-11-25T14:30:30.000Z' },
    ]);
  });

  it('ends the stream, heartbeats included, when the api starts shutting down', () => {
    const { received, state } = open();
    feed.closing.next();
    expect(state.completed).toBe(true);
    feed.submitted('alice');
    jest.advanceTimersByTime(60_000);
    expect(received).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves no timer behind when the client goes away', () => {
    const { subscription } = open('alice');
    expect(jest.getTimerCount()).toBe(1);
    subscription.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
    expect(feed.events.observed).toBe(false);
  });
});

describe('EventsController over HTTP', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  let feed: FakeFeed;

  beforeAll(async () => {
    feed = new FakeFeed();
    const moduleRef = await Test.createTestingModule({
      controllers: [EventsController],
      providers: [{ provide: TradeEventsService, useValue: feed }],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(app);
    await app.init();
    await app.listen(0);
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    feed.closing.next();
    await app.close();
  });

  async function getJson(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  }

  async function subscribed(): Promise<void> {
    for (let i = 0; i < 200 && !feed.events.observed; i++) await new Promise((r) => setTimeout(r, 5));
    if (!feed.events.observed) throw new Error('the stream was never subscribed');
  }

  it.each([
    ['account=a%20b', 'account'],
    ['account=', 'account'],
  ])('rejects ?%s with 400 naming the parameter', async (params, param) => {
    const result = await getJson(`/events?${params}`);
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringContaining(param)] },
    });
  });

  it('rejects an unknown query parameter with 400', async () => {
    const result = await getJson('/events?acount=alice');
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['property acount should not exist'] },
    });
  });

  it("streams the account's events as text/event-stream, and ends when the api shuts down", async () => {
    const response = fetch(`${baseUrl}/events?account=alice`);
    await subscribed();
    feed.submitted('bob');
    const event = feed.settled('alice');
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const reader = res.body?.getReader();
    if (!reader) throw new Error('no response body');
    const decoder = new TextDecoder();
    let text = '';
    while (!/data: .*\n\n/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    const dataLines = text.split('\n').filter((line) => line.startsWith('data: '));
    expect(dataLines.map((line) => JSON.parse(line.slice('data: '.length)) as unknown)).toEqual([event]);
    expect(text).toContain('event: message\n');

    feed.closing.next();
    let ended = false;
    for (let chunk = await reader.read(); !ended; chunk = await reader.read()) ended = chunk.done;
    expect(ended).toBe(true);
  });
});
