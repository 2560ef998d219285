import { KafkaTopic, LotwiseStreamEvent, Trade, TradeSettledEvent, TradeStatus } from '@lotwise/contracts';
import { createKafka, KafkaSettings } from '@lotwise/server-core';
import { Test, TestingModule } from '@nestjs/testing';
import type { Kafka } from 'kafkajs';
import { TradeEventsService } from './trade-events.service';

// The service builds its consumer with createKafka; everything else in the library stays real.
jest.mock('@lotwise/server-core', () => ({
  ...jest.requireActual<Record<string, unknown>>('@lotwise/server-core'),
  createKafka: jest.fn(),
}));

interface ConsumerConfig {
  groupId: string;
  allowAutoTopicCreation?: boolean;
}

interface DeliveredMessage {
  message: { value: Buffer | null; offset: string };
}

interface CrashEvent {
  payload: { error: Error; restart: boolean };
}

/** The part of a kafkajs consumer the service uses, recording what it was asked to do. */
class FakeConsumer {
  readonly events = { CRASH: 'consumer.crash' };
  readonly subscriptions: unknown[] = [];
  connectFailure: Error | null = null;
  running = false;
  disconnected = false;
  private eachMessage: ((payload: DeliveredMessage) => Promise<void>) | null = null;
  private crashListener: ((event: CrashEvent) => void) | null = null;

  constructor(readonly config: ConsumerConfig) {}

  async connect(): Promise<void> {
    if (this.connectFailure) throw this.connectFailure;
  }

  async subscribe(subscription: unknown): Promise<void> {
    this.subscriptions.push(subscription);
  }

  async run(config: { eachMessage: (payload: DeliveredMessage) => Promise<void> }): Promise<void> {
    this.eachMessage = config.eachMessage;
    this.running = true;
  }

  on(event: string, listener: (event: CrashEvent) => void): void {
    if (event === this.events.CRASH) this.crashListener = listener;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.running = false;
  }

  /** Hands a message of trades.settled.v1 to the service, as kafkajs would. */
  deliver(value: string | null, offset = '0'): Promise<void> {
    if (!this.eachMessage) throw new Error('the consumer is not running');
    return this.eachMessage({ message: { value: value === null ? null : Buffer.from(value), offset } });
  }

  crash(restart: boolean): void {
    this.crashListener?.({ payload: { error: new Error('group coordinator gone'), restart } });
  }
}

const settings = new KafkaSettings(['kafka-1:9092', 'kafka-2:9092'], 6);

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

function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await settled();
}

describe('TradeEventsService', () => {
  let moduleRef: TestingModule;
  let service: TradeEventsService;
  /** Every consumer created, in order. */
  let consumers: FakeConsumer[];
  /** Connect failures for the next consumers to be created, in order. */
  let connectFailures: (Error | null)[];
  let closed: boolean;

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    consumers = [];
    connectFailures = [];
    closed = false;
    jest.mocked(createKafka).mockReset();
    jest.mocked(createKafka).mockImplementation(() => {
      const kafka = {
        consumer: (config: ConsumerConfig) => {
          const consumer = new FakeConsumer(config);
          consumer.connectFailure = connectFailures.shift() ?? null;
          consumers.push(consumer);
          return consumer;
        },
      };
      return kafka as unknown as Kafka;
    });
    moduleRef = await Test.createTestingModule({
      providers: [TradeEventsService, { provide: KafkaSettings, useValue: settings }],
    })
      .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
      .compile();
    service = moduleRef.get(TradeEventsService);
  });

  afterEach(async () => {
    if (!closed) await moduleRef.close();
    jest.useRealTimers();
  });

  async function start(): Promise<void> {
    await moduleRef.init();
    await settled();
  }

  async function shutdown(): Promise<void> {
    closed = true;
    await moduleRef.close();
  }

  function current(): FakeConsumer {
    const consumer = consumers.at(-1);
    if (!consumer) throw new Error('no consumer was created');
    return consumer;
  }

  function record(): LotwiseStreamEvent[] {
    const seen: LotwiseStreamEvent[] = [];
    service.stream.subscribe((event) => seen.push(event));
    return seen;
  }

  describe('tradeSubmitted()', () => {
    it('reaches every subscriber as a trade.submitted event', () => {
      const first = record();
      const second = record();
      service.tradeSubmitted(trade);
      expect(first).toEqual([{ type: 'trade.submitted', trade }]);
      expect(second).toEqual([{ type: 'trade.submitted', trade }]);
    });

    it('does not replay earlier events to a late subscriber', () => {
      service.tradeSubmitted(trade);
      const late = record();
      expect(late).toEqual([]);
    });
  });

  describe('the trades.settled.v1 consumer', () => {
    it('subscribes from the latest offset, through a Kafka client built from the settings', async () => {
      await start();
      expect(createKafka).toHaveBeenCalledWith(settings, 'lotwise-api-events');
      expect(current().subscriptions).toEqual([{ topic: KafkaTopic.TradeSettled, fromBeginning: false }]);
      expect(current().running).toBe(true);
    });

    it('joins a consumer group of its own, so every api instance sees every outcome', async () => {
      await start();
      const other = await Test.createTestingModule({
        providers: [TradeEventsService, { provide: KafkaSettings, useValue: settings }],
      }).compile();
      await other.init();
      await settled();
      await other.close();

      const [mine, theirs] = consumers.map((c) => c.config);
      expect(mine?.groupId).toMatch(/^lotwise-api-events-/);
      expect(theirs?.groupId).toMatch(/^lotwise-api-events-/);
      expect(mine?.groupId).not.toBe(theirs?.groupId);
      expect(mine?.allowAutoTopicCreation).toBe(false);
    });

    it('streams a settled message as a trade.settled event', async () => {
      await start();
      const seen = record();
      await current().deliver(JSON.stringify(settlement));
      expect(seen).toEqual([{ type: 'trade.settled', settlement }]);
    });

    it.each<[string, string | null]>([
      ['an empty message', null],
      ['an empty string', ''],
      ['text that is not JSON', 'not json'],
      ['JSON null', 'null'],
      ['a JSON number', '42'],
      ['a JSON array', '[]'],
      ['another event version', JSON.stringify({ ...settlement, eventVersion: 2 })],
      ['a numeric tradeId', JSON.stringify({ ...settlement, tradeId: 42 })],
      ['no tradeId', JSON.stringify({ ...settlement, tradeId: undefined })],
      ['no account', JSON.stringify({ ...settlement, account: undefined })],
      ['a numeric account', JSON.stringify({ ...settlement, account: 7 })],
    ])('ignores %s without failing the consumer', async (_label, value) => {
      await start();
      const seen = record();
      await expect(current().deliver(value)).resolves.toBeUndefined();
      expect(seen).toEqual([]);
    });

    it('goes on streaming after a malformed message', async () => {
      await start();
      const seen = record();
      await current().deliver('{"eventVersion":', '7');
      await current().deliver(JSON.stringify(settlement), '8');
      expect(seen).toEqual([{ type: 'trade.settled', settlement }]);
    });
  });

  describe('reconnecting', () => {
    it('tries again 5 s after Kafka could not be reached, with a new consumer', async () => {
      connectFailures = [new Error('connect ECONNREFUSED')];
      await start();
      expect(consumers).toHaveLength(1);
      expect(consumers[0]?.disconnected).toBe(true);

      await advance(4999);
      expect(consumers).toHaveLength(1);
      await advance(1);
      expect(consumers).toHaveLength(2);
      expect(current().running).toBe(true);

      const seen = record();
      await current().deliver(JSON.stringify(settlement));
      expect(seen).toEqual([{ type: 'trade.settled', settlement }]);
    });

    it('keeps trying every 5 s while Kafka stays unreachable', async () => {
      const down = new Error('connect ECONNREFUSED');
      connectFailures = [down, down, down];
      await start();
      await advance(5000);
      await advance(5000);
      await advance(5000);
      expect(consumers).toHaveLength(4);
      expect(current().running).toBe(true);
    });

    it('reconnects after a crash kafkajs gives up on, not after one it restarts from', async () => {
      await start();
      current().crash(true);
      await advance(5000);
      expect(consumers).toHaveLength(1);

      current().crash(false);
      expect(consumers[0]?.disconnected).toBe(true);
      await advance(5000);
      expect(consumers).toHaveLength(2);
      expect(current().running).toBe(true);
    });
  });

  describe('shutdown', () => {
    it('disconnects the consumer and completes the stream', async () => {
      await start();
      let completed = false;
      service.stream.subscribe({
        complete: () => {
          completed = true;
        },
      });
      await shutdown();
      expect(current().disconnected).toBe(true);
      expect(completed).toBe(true);
    });

    it('stops retrying once shut down', async () => {
      connectFailures = [new Error('connect ECONNREFUSED')];
      await start();
      await shutdown();
      await advance(10_000);
      expect(consumers).toHaveLength(1);
    });

    it('does not schedule a retry for a crash after shutdown', async () => {
      await start();
      const consumer = current();
      await shutdown();
      consumer.crash(false);
      await advance(10_000);
      expect(consumers).toHaveLength(1);
    });

    it('announces on closed that shutdown began, also to subscribers that come later', async () => {
      await start();
      const early: string[] = [];
      service.closed.subscribe({ next: () => early.push('next'), complete: () => early.push('complete') });
      expect(early).toEqual([]);

      await shutdown();
      expect(early).toEqual(['next', 'complete']);
      const late: string[] = [];
      service.closed.subscribe({ next: () => late.push('next'), complete: () => late.push('complete') });
      expect(late).toEqual(['next', 'complete']);
    });
  });
});
