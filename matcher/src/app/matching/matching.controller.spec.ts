import {
  KafkaTopic,
  TradeDeadLetterEvent,
  TradeSettledEvent,
  TradeStatus,
  TradeSubmittedEvent,
} from '@lotwise/contracts';
import { TradeEntity } from '@lotwise/server-data';
import { LoggerService } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';
import type {
  Consumer,
  KafkaMessage,
  Producer,
  ProducerRecord,
  TopicPartitionOffsetAndMetadata,
} from '@nestjs/microservices/external/kafka.interface';
import { Test } from '@nestjs/testing';
import { MatchingController } from './matching.controller';
import { PermanentMatchingError } from './matching.errors';
import { MatchingService, Settlement } from './matching.service';

const PARTITION = 2;
const OFFSET = '41';

const silentLogger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

const event: TradeSubmittedEvent = {
  eventVersion: 1,
  tradeId: '7',
  account: 'default',
  symbol: 'AAPL',
  qty: '100',
  price: '150.25',
  executedAt: '2026-11-25T14:30:00.000Z',
  receivedAt: '2026-11-25T14:30:00.120Z',
};

function tradeRow(overrides: Partial<TradeEntity> = {}): TradeEntity {
  return Object.assign(new TradeEntity(), {
    id: '7',
    account: 'default',
    symbol: 'AAPL',
    qty: '100',
    price: '150.25',
    executedAt: new Date('2026-11-25T14:30:00.000Z'),
    receivedAt: new Date('2026-11-25T14:30:00.120Z'),
    status: TradeStatus.Applied,
    rejectReason: null,
    settledAt: new Date('2026-11-25T14:30:01.000Z'),
    clientTradeId: null,
    requestHash: null,
    ...overrides,
  });
}

function applied(overrides: Partial<TradeEntity> = {}): Settlement {
  return { trade: tradeRow(overrides), changed: true };
}

/** A Kafka delivery of one message whose side effects (produce, commit, seek, heartbeat) are recorded in order. */
class FakeDelivery {
  readonly log: string[] = [];
  readonly sent: ProducerRecord[] = [];
  readonly commits: TopicPartitionOffsetAndMetadata[][] = [];
  readonly seeks: { topic: string; partition: number; offset: string }[] = [];
  heartbeats = 0;
  /** Produces to this topic fail with a non-transient error. */
  failingTopic: KafkaTopic | null = null;
  readonly rawValue: string;
  readonly context: KafkaContext;

  constructor(value: unknown, offset = OFFSET) {
    this.rawValue = typeof value === 'string' ? value : JSON.stringify(value);
    const message: KafkaMessage = {
      key: Buffer.from('default|AAPL'),
      value: Buffer.from(this.rawValue),
      timestamp: '1764081000000',
      attributes: 0,
      offset,
      headers: {},
    };
    const consumer = {
      commitOffsets: async (offsets: TopicPartitionOffsetAndMetadata[]) => {
        this.log.push(`commit ${offsets.map((o) => o.offset).join(',')}`);
        this.commits.push(offsets);
      },
      seek: (target: { topic: string; partition: number; offset: string }) => {
        this.log.push(`seek ${target.offset}`);
        this.seeks.push(target);
      },
    };
    const producer = {
      send: async (record: ProducerRecord) => {
        if (record.topic === this.failingTopic) throw new Error(`cannot produce to ${record.topic}`);
        this.log.push(`send ${record.topic}`);
        this.sent.push(record);
        return [];
      },
    };
    const heartbeat = async () => {
      this.heartbeats += 1;
    };
    this.context = new KafkaContext([
      message,
      PARTITION,
      KafkaTopic.TradeSubmitted,
      consumer as unknown as Consumer,
      heartbeat,
      producer as unknown as Producer,
    ]);
  }

  /** Decoded values of the messages produced to one topic. */
  produced<T>(topic: KafkaTopic): T[] {
    return this.sent
      .filter((record) => record.topic === topic)
      .flatMap((record) => record.messages.map((m) => JSON.parse(String(m.value)) as T));
  }

  keysProducedTo(topic: KafkaTopic): unknown[] {
    return this.sent.filter((record) => record.topic === topic).flatMap((r) => r.messages.map((m) => m.key));
  }
}

/** A copy of the object without one field, as a producer that left it out would send it. */
function without<T extends object>(value: T, field: keyof T): Partial<T> {
  const copy: Partial<T> = { ...value };
  delete copy[field];
  return copy;
}

function transientError(): Error {
  return new Error('Connection terminated');
}

describe('MatchingController', () => {
  let controller: MatchingController;
  let settle: jest.Mock<Promise<Settlement>, [string]>;
  let rejectUnprocessable: jest.Mock<Promise<TradeEntity | null>, [string, string]>;

  beforeEach(async () => {
    settle = jest.fn<Promise<Settlement>, [string]>();
    rejectUnprocessable = jest.fn<Promise<TradeEntity | null>, [string, string]>();
    const moduleRef = await Test.createTestingModule({
      controllers: [MatchingController],
      providers: [{ provide: MatchingService, useValue: { settle, rejectUnprocessable } }],
    })
      .setLogger(silentLogger)
      .compile();
    controller = moduleRef.get(MatchingController);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Runs the handler to completion, letting every backoff pause elapse on fake timers. */
  async function handle(delivery: FakeDelivery, payload: unknown): Promise<void> {
    jest.useFakeTimers();
    const done = controller.onTradeSubmitted(payload, delivery.context);
    await jest.runAllTimersAsync();
    await done;
  }

  describe('a valid event', () => {
    it('settles the trade the event names', async () => {
      settle.mockResolvedValue(applied());
      await handle(new FakeDelivery(event), event);
      expect(settle).toHaveBeenCalledWith('7', {
        account: event.account,
        symbol: event.symbol,
        qty: event.qty,
        price: event.price,
      });
    });

    it('announces the outcome on trades.settled.v1, keyed by account|symbol', async () => {
      settle.mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        {
          eventVersion: 1,
          tradeId: '7',
          account: 'default',
          symbol: 'AAPL',
          status: 'APPLIED',
          settledAt: '2026-11-25T14:30:01.000Z',
        },
      ]);
      expect(delivery.keysProducedTo(KafkaTopic.TradeSettled)).toEqual(['default|AAPL']);
    });

    it('includes the reason when the trade was rejected', async () => {
      const reason = 'insufficient quantity: open 10, sell 15';
      settle.mockResolvedValue(applied({ qty: '-15', status: TradeStatus.Rejected, rejectReason: reason }));
      const delivery = new FakeDelivery({ ...event, qty: '-15' });
      await handle(delivery, { ...event, qty: '-15' });
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        expect.objectContaining({ tradeId: '7', status: 'REJECTED', rejectReason: reason }),
      ]);
    });

    it('commits offset + 1 as a string, once', async () => {
      settle.mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.commits).toEqual([
        [{ topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: '42' }],
      ]);
    });

    it('commits past offsets beyond the range of a JS number exactly', async () => {
      settle.mockResolvedValue(applied());
      const delivery = new FakeDelivery(event, '9007199254740993');
      await handle(delivery, event);
      expect(delivery.commits[0]?.[0]?.offset).toBe('9007199254740994');
    });

    it('settles before it publishes, and publishes before it commits', async () => {
      const delivery = new FakeDelivery(event);
      settle.mockImplementation(async (tradeId) => {
        delivery.log.push(`settle ${tradeId}`);
        return applied();
      });
      await handle(delivery, event);
      expect(delivery.log).toEqual(['settle 7', `send ${KafkaTopic.TradeSettled}`, 'commit 42']);
    });

    it("matches the recorded trade in PostgreSQL's notation ('100.000')", async () => {
      settle.mockResolvedValue(applied({ qty: '100.000', price: '150.250000' }));
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced(KafkaTopic.TradeDeadLetter)).toEqual([]);
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toHaveLength(1);
    });
  });

  describe('a redelivered event (trade already settled)', () => {
    it('publishes the settled event again and commits', async () => {
      settle.mockResolvedValue({ trade: tradeRow(), changed: false });
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        expect.objectContaining({ tradeId: '7', status: 'APPLIED' }),
      ]);
      expect(delivery.log).toEqual([`send ${KafkaTopic.TradeSettled}`, 'commit 42']);
    });
  });

  describe('an invalid payload', () => {
    const withoutTradeId = without(event, 'tradeId');
    it.each<[string, unknown, RegExp]>([
      ['a missing tradeId', withoutTradeId, /tradeId/],
      ["qty 'x'", { ...event, qty: 'x' }, /qty/],
      ['qty 0', { ...event, qty: '0' }, /qty must not be 0/],
      ['eventVersion 2', { ...event, eventVersion: 2 }, /eventVersion must be 1/],
      ['an unknown field', { ...event, foo: 1 }, /foo/],
      ['a string', 'not json at all', /not a JSON object/],
      ['an array', [event], /not a JSON object/],
      ['null', null, /not a JSON object/],
    ])('with %s is dead-lettered with the reason and the raw value', async (_label, payload, reason) => {
      const delivery = new FakeDelivery(payload);
      await handle(delivery, payload);
      expect(delivery.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter)).toEqual([
        {
          eventVersion: 1,
          sourceTopic: KafkaTopic.TradeSubmitted,
          partition: PARTITION,
          offset: OFFSET,
          key: 'default|AAPL',
          rawValue: delivery.rawValue,
          error: expect.stringMatching(reason),
          failedAt: expect.any(String),
        },
      ]);
    });

    it.each<[string, unknown]>([
      ['a missing tradeId', withoutTradeId],
      ["qty 'x'", { ...event, qty: 'x' }],
      ['a string', 'not json at all'],
    ])('with %s is committed without reaching the matching service', async (_label, payload) => {
      const delivery = new FakeDelivery(payload);
      await handle(delivery, payload);
      expect(settle).not.toHaveBeenCalled();
      expect(delivery.log).toEqual([`send ${KafkaTopic.TradeDeadLetter}`, 'commit 42']);
    });
  });

  describe('an event the recorded trade contradicts', () => {
    it('is dead-lettered, with nothing settled or announced, when the service finds a mismatch', async () => {
      settle.mockRejectedValue(new PermanentMatchingError('event does not match recorded trade 7'));
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter)).toEqual([
        expect.objectContaining({ error: expect.stringMatching(/does not match recorded trade 7/) }),
      ]);
      expect(delivery.produced(KafkaTopic.TradeSettled)).toEqual([]);
      expect(delivery.commits).toHaveLength(1);
    });

    it('is dead-lettered at once, without retries, when the trade is not recorded', async () => {
      settle.mockRejectedValue(new PermanentMatchingError('trade 7 is not recorded'));
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(settle).toHaveBeenCalledTimes(1);
      expect(delivery.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter)).toEqual([
        expect.objectContaining({ error: 'trade 7 is not recorded' }),
      ]);
      expect(delivery.commits).toHaveLength(1);
    });
  });

  describe('a failure after the trade is settled', () => {
    it('rewinds to the message instead of dead-lettering or committing it', async () => {
      settle.mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      delivery.failingTopic = KafkaTopic.TradeSettled;
      await handle(delivery, event);
      expect(delivery.produced(KafkaTopic.TradeDeadLetter)).toEqual([]);
      expect(delivery.commits).toEqual([]);
      expect(delivery.seeks).toEqual([
        { topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: OFFSET },
      ]);
    });
  });

  describe('a dead letter that cannot be written', () => {
    it('rewinds to the message rather than letting a later commit skip it', async () => {
      const delivery = new FakeDelivery('not json');
      delivery.failingTopic = KafkaTopic.TradeDeadLetter;
      await handle(delivery, 'not json');
      expect(delivery.commits).toEqual([]);
      expect(delivery.seeks).toEqual([
        { topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: OFFSET },
      ]);
    });
  });

  describe('a transient failure', () => {
    it('is retried until the trade is applied, then committed once', async () => {
      settle
        .mockRejectedValueOnce(transientError())
        .mockRejectedValueOnce(transientError())
        .mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(settle).toHaveBeenCalledTimes(3);
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        expect.objectContaining({ status: 'APPLIED' }),
      ]);
      expect(delivery.produced(KafkaTopic.TradeDeadLetter)).toEqual([]);
      expect(delivery.commits).toEqual([
        [{ topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: '42' }],
      ]);
    });

    it('heartbeats between attempts so the group keeps the partition', async () => {
      settle
        .mockRejectedValueOnce(transientError())
        .mockRejectedValueOnce(transientError())
        .mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.heartbeats).toBe(2);
    });

    it('waits with backoff instead of retrying at once', async () => {
      settle.mockRejectedValueOnce(transientError()).mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      jest.useFakeTimers();
      const done = controller.onTradeSubmitted(event, delivery.context);
      await jest.advanceTimersByTimeAsync(150);
      expect(settle).toHaveBeenCalledTimes(1);
      await jest.runAllTimersAsync();
      await done;
      expect(settle).toHaveBeenCalledTimes(2);
    });

    it('is retried past the attempt limit for unexpected errors', async () => {
      for (let i = 0; i < 7; i++) settle.mockRejectedValueOnce(transientError());
      settle.mockResolvedValue(applied());
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(settle).toHaveBeenCalledTimes(8);
      expect(rejectUnprocessable).not.toHaveBeenCalled();
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        expect.objectContaining({ status: 'APPLIED' }),
      ]);
    });
  });

  describe('an unexpected error that persists', () => {
    const reasonPattern = /^could not be applied: .*numeric field overflow/;

    beforeEach(() => {
      settle.mockRejectedValue(Object.assign(new Error('numeric field overflow'), { code: '22003' }));
      rejectUnprocessable.mockImplementation(async (_tradeId, reason) =>
        tradeRow({ status: TradeStatus.Rejected, rejectReason: reason }),
      );
    });

    it('is tried five times, then the trade is rejected with the reason', async () => {
      await handle(new FakeDelivery(event), event);
      expect(settle).toHaveBeenCalledTimes(5);
      expect(rejectUnprocessable).toHaveBeenCalledTimes(1);
      expect(rejectUnprocessable).toHaveBeenCalledWith('7', expect.stringMatching(reasonPattern));
    });

    it('announces the rejection on trades.settled.v1', async () => {
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        expect.objectContaining({
          tradeId: '7',
          status: 'REJECTED',
          rejectReason: expect.stringMatching(reasonPattern),
        }),
      ]);
    });

    it('dead-letters the message, then commits it', async () => {
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter)).toEqual([
        expect.objectContaining({ error: expect.stringMatching(reasonPattern), rawValue: delivery.rawValue }),
      ]);
      expect(delivery.log.slice(-3)).toEqual([
        `send ${KafkaTopic.TradeSettled}`,
        `send ${KafkaTopic.TradeDeadLetter}`,
        'commit 42',
      ]);
    });

    it('publishes no settled event when the trade was settled meanwhile', async () => {
      rejectUnprocessable.mockResolvedValue(null);
      const delivery = new FakeDelivery(event);
      await handle(delivery, event);
      expect(delivery.produced(KafkaTopic.TradeSettled)).toEqual([]);
      expect(delivery.produced(KafkaTopic.TradeDeadLetter)).toHaveLength(1);
      expect(delivery.commits).toHaveLength(1);
    });
  });

  describe('shutdown during retries', () => {
    async function interruptedDelivery(): Promise<FakeDelivery> {
      settle.mockRejectedValue(transientError());
      const delivery = new FakeDelivery(event);
      jest.useFakeTimers();
      const done = controller.onTradeSubmitted(event, delivery.context);
      await jest.advanceTimersByTimeAsync(50);
      controller.onApplicationShutdown();
      await jest.runAllTimersAsync();
      await done;
      return delivery;
    }

    it('stops retrying and leaves the offset uncommitted', async () => {
      const delivery = await interruptedDelivery();
      expect(settle).toHaveBeenCalledTimes(1);
      expect(delivery.commits).toEqual([]);
      expect(delivery.sent).toEqual([]);
    });

    it('seeks back to the same offset so the message is redelivered', async () => {
      const delivery = await interruptedDelivery();
      expect(delivery.seeks).toEqual([
        { topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: OFFSET },
      ]);
    });

    it('neither commits nor seeks a later message of that partition past the abandoned one', async () => {
      await interruptedDelivery();
      settle.mockClear();
      const later = new FakeDelivery({ ...event, tradeId: '8' }, '42');
      await handle(later, { ...event, tradeId: '8' });
      expect(settle).not.toHaveBeenCalled();
      expect(later.commits).toEqual([]);
      expect(later.seeks).toEqual([]);
    });
  });
});
