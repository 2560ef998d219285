import {
  KafkaTopic,
  TradeDeadLetterEvent,
  TradeSettledEvent,
  TradeStatus,
  TradeSubmittedEvent,
} from '@lotwise/contracts';
import { KafkaBatchContext } from '@lotwise/server-core';
import { LoggerService } from '@nestjs/common';
import type {
  Consumer,
  EachBatchPayload,
  KafkaMessage,
  Producer,
  ProducerBatch,
  TopicPartitionOffsetAndMetadata,
} from '@nestjs/microservices/external/kafka.interface';
import { Test } from '@nestjs/testing';
import { MatchingController, MAX_CHUNK } from './matching.controller';
import { BatchResult, MatchingService, SettledTrade, SettleRequest, Settlement } from './matching.service';

const PARTITION = 2;

const silentLogger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

function event(tradeId: string, overrides: Partial<TradeSubmittedEvent> = {}): TradeSubmittedEvent {
  return {
    eventVersion: 1,
    tradeId,
    account: 'default',
    symbol: 'AAPL',
    qty: '100',
    price: '150.25',
    executedAt: '2026-11-25T14:30:00.000Z',
    receivedAt: '2026-11-25T14:30:00.120Z',
    ...overrides,
  };
}

function trade(id: string, overrides: Partial<SettledTrade> = {}): SettledTrade {
  return {
    id,
    account: 'default',
    symbol: 'AAPL',
    status: TradeStatus.Applied,
    rejectReason: null,
    settledAt: new Date('2026-11-25T14:30:01.000Z'),
    ...overrides,
  };
}

/** Settles every request as APPLIED, the way the service answers a healthy batch. */
function applyAll(requests: readonly SettleRequest[]): BatchResult[] {
  return requests.map((r) => ({ kind: 'settled', trade: trade(r.tradeId), changed: true }));
}

/** One fetched batch of a partition whose side effects (produce, commit, seek, resolve) are recorded in order. */
class FakeBatch {
  readonly log: string[] = [];
  readonly sent: ProducerBatch[] = [];
  readonly commits: TopicPartitionOffsetAndMetadata[][] = [];
  heartbeats = 0;
  failSends = false;
  stale = false;
  readonly messages: KafkaMessage[];
  readonly context: KafkaBatchContext;

  constructor(
    readonly payloads: unknown[],
    firstOffset = 41n,
  ) {
    this.messages = payloads.map((payload, index) => ({
      key: Buffer.from('default|AAPL'),
      value: payload as Buffer,
      timestamp: '1764081000000',
      attributes: 0,
      offset: (firstOffset + BigInt(index)).toString(),
      headers: {},
    }));
    const consumer = {
      commitOffsets: async (offsets: TopicPartitionOffsetAndMetadata[]) => {
        this.log.push(`commit ${offsets.map((o) => o.offset).join(',')}`);
        this.commits.push(offsets);
      },
      seek: (target: { offset: string }) => void this.log.push(`seek ${target.offset}`),
      pause: () => void this.log.push('pause'),
    };
    const producer = {
      sendBatch: async (batch: ProducerBatch) => {
        if (this.failSends) throw new Error('cannot produce');
        this.log.push(
          `send ${(batch.topicMessages ?? []).map((t) => `${t.topic}×${t.messages.length}`).join(' ')}`,
        );
        this.sent.push(batch);
        return [];
      },
    };
    const payload = {
      batch: { topic: KafkaTopic.TradeSubmitted, partition: PARTITION, messages: this.messages },
      resolveOffset: (offset: string) => void this.log.push(`resolve ${offset}`),
      heartbeat: async () => {
        this.heartbeats += 1;
      },
      isRunning: () => true,
      isStale: () => this.stale,
    } as unknown as EachBatchPayload;
    this.context = new KafkaBatchContext(
      payload,
      this.messages,
      consumer as unknown as Consumer,
      producer as unknown as Producer,
    );
  }

  produced<T>(topic: KafkaTopic): T[] {
    return this.sent
      .flatMap((batch) => batch.topicMessages ?? [])
      .filter((t) => t.topic === topic)
      .flatMap((t) => t.messages.map((m) => JSON.parse(String(m.value)) as T));
  }
}

describe('MatchingController', () => {
  let controller: MatchingController;
  let settleBatch: jest.Mock<Promise<BatchResult[]>, [readonly SettleRequest[]]>;
  let settle: jest.Mock<Promise<Settlement>, [string]>;
  let rejectUnprocessable: jest.Mock<Promise<SettledTrade | null>, [string, string]>;

  beforeEach(async () => {
    settleBatch = jest.fn(async (requests: readonly SettleRequest[]) => applyAll(requests));
    settle = jest.fn<Promise<Settlement>, [string]>();
    rejectUnprocessable = jest.fn<Promise<SettledTrade | null>, [string, string]>();
    const moduleRef = await Test.createTestingModule({
      controllers: [MatchingController],
      providers: [{ provide: MatchingService, useValue: { settleBatch, settle, rejectUnprocessable } }],
    })
      .setLogger(silentLogger)
      .compile();
    controller = moduleRef.get(MatchingController);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Runs the handler to completion, letting every backoff pause elapse on fake timers. */
  async function handle(batch: FakeBatch): Promise<void> {
    jest.useFakeTimers();
    const done = controller.onTradesSubmitted(batch.payloads, batch.context);
    await jest.runAllTimersAsync();
    await done;
  }

  describe('a batch of valid events', () => {
    it('settles them in one call, in offset order, with what each event says', async () => {
      await handle(new FakeBatch([event('7'), event('8', { qty: '-5', price: '1' })]));
      expect(settleBatch).toHaveBeenCalledTimes(1);
      expect(settleBatch.mock.calls[0]?.[0]).toEqual([
        { tradeId: '7', expected: { account: 'default', symbol: 'AAPL', qty: '100', price: '150.25' } },
        { tradeId: '8', expected: { account: 'default', symbol: 'AAPL', qty: '-5', price: '1' } },
      ]);
    });

    it('announces every outcome in one produce, keyed by account|symbol, with the reason of a rejection', async () => {
      settleBatch.mockResolvedValueOnce([
        { kind: 'settled', trade: trade('7'), changed: true },
        {
          kind: 'settled',
          trade: trade('8', {
            status: TradeStatus.Rejected,
            rejectReason: 'insufficient quantity: open 0, sell 5',
          }),
          changed: true,
        },
      ]);
      const batch = new FakeBatch([event('7'), event('8', { qty: '-5' })]);
      await handle(batch);
      expect(batch.sent).toHaveLength(1);
      expect(batch.sent[0]?.acks).toBe(-1);
      expect(batch.sent[0]?.topicMessages?.[0]?.messages.map((m) => m.key)).toEqual([
        'default|AAPL',
        'default|AAPL',
      ]);
      expect(batch.produced<TradeSettledEvent>(KafkaTopic.TradeSettled)).toEqual([
        {
          eventVersion: 1,
          tradeId: '7',
          account: 'default',
          symbol: 'AAPL',
          status: 'APPLIED',
          settledAt: '2026-11-25T14:30:01.000Z',
        },
        {
          eventVersion: 1,
          tradeId: '8',
          account: 'default',
          symbol: 'AAPL',
          status: 'REJECTED',
          rejectReason: 'insufficient quantity: open 0, sell 5',
          settledAt: '2026-11-25T14:30:01.000Z',
        },
      ]);
    });

    it('settles, then announces, then commits the last offset + 1 once, then resolves it', async () => {
      const batch = new FakeBatch([event('7'), event('8'), event('9')]);
      await handle(batch);
      expect(batch.log).toEqual([`send ${KafkaTopic.TradeSettled}×3`, 'commit 44', 'resolve 43']);
      expect(batch.commits).toEqual([
        [{ topic: KafkaTopic.TradeSubmitted, partition: PARTITION, offset: '44' }],
      ]);
    });

    it('commits offsets beyond the range of a JS number exactly', async () => {
      const batch = new FakeBatch([event('7')], 9007199254740993n);
      await handle(batch);
      expect(batch.commits[0]?.[0]?.offset).toBe('9007199254740994');
    });

    it(`works in chunks of ${MAX_CHUNK}: one transaction, one produce and one commit each`, async () => {
      const events = Array.from({ length: MAX_CHUNK * 2 + 7 }, (_, i) => event(String(i + 1)));
      const batch = new FakeBatch(events, 0n);
      await handle(batch);
      expect(settleBatch.mock.calls.map(([requests]) => requests.length)).toEqual([MAX_CHUNK, MAX_CHUNK, 7]);
      expect(batch.log.filter((line) => line.startsWith('commit'))).toEqual([
        `commit ${MAX_CHUNK}`,
        `commit ${MAX_CHUNK * 2}`,
        `commit ${MAX_CHUNK * 2 + 7}`,
      ]);
      expect(batch.heartbeats).toBe(3);
    });

    it('does not start a batch whose partition moved meanwhile', async () => {
      const batch = new FakeBatch([event('7')]);
      batch.stale = true;
      await handle(batch);
      expect(settleBatch).not.toHaveBeenCalled();
      expect(batch.log).toEqual([]);
    });
  });

  it('announces a redelivered trade again as it was settled, and commits', async () => {
    settleBatch.mockResolvedValueOnce([{ kind: 'settled', trade: trade('7'), changed: false }]);
    const batch = new FakeBatch([event('7')]);
    await handle(batch);
    expect(batch.produced<TradeSettledEvent>(KafkaTopic.TradeSettled).map((e) => e.tradeId)).toEqual(['7']);
    expect(batch.log).toContain('commit 42');
  });

  describe('events that can never apply', () => {
    it('dead-letters an invalid payload with the reason, settles the rest, and commits past both', async () => {
      const bad = { ...event('8'), qty: '1e3' };
      const batch = new FakeBatch([event('7'), bad, 'not json']);
      await handle(batch);
      expect(settleBatch.mock.calls[0]?.[0].map((r) => r.tradeId)).toEqual(['7']);
      const dead = batch.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter);
      expect(dead.map((d) => [d.offset, d.partition, d.sourceTopic])).toEqual([
        ['42', PARTITION, KafkaTopic.TradeSubmitted],
        ['43', PARTITION, KafkaTopic.TradeSubmitted],
      ]);
      expect(dead[0]?.error).toMatch(/^invalid trades\.submitted\.v1 event: .*qty/);
      expect(dead[0]?.rawValue).toBe(JSON.stringify(bad));
      expect(dead[1]?.error).toBe('message value is not a JSON object');
      expect(batch.log).toEqual([
        `send ${KafkaTopic.TradeSettled}×1 ${KafkaTopic.TradeDeadLetter}×2`,
        'commit 44',
        'resolve 43',
      ]);
    });

    it('dead-letters an event the recorded trade contradicts, announcing nothing for it', async () => {
      settleBatch.mockResolvedValueOnce([
        { kind: 'unmatched', reason: 'event does not match recorded trade 7' },
      ]);
      const batch = new FakeBatch([event('7')]);
      await handle(batch);
      expect(batch.produced(KafkaTopic.TradeSettled)).toEqual([]);
      expect(batch.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter).map((d) => d.error)).toEqual([
        'event does not match recorded trade 7',
      ]);
      expect(batch.log).toContain('commit 42');
    });
  });

  describe('a transient failure', () => {
    it('retries the whole batch until it settles, heartbeating between attempts, then commits once', async () => {
      settleBatch
        .mockRejectedValueOnce(Object.assign(new Error('terminating connection'), { code: '57P01' }))
        .mockRejectedValueOnce(new Error('Connection terminated'));
      const batch = new FakeBatch([event('7'), event('8')]);
      await handle(batch);
      expect(settleBatch).toHaveBeenCalledTimes(3);
      expect(settle).not.toHaveBeenCalled();
      expect(batch.heartbeats).toBeGreaterThanOrEqual(2);
      expect(batch.commits).toHaveLength(1);
    });
  });

  describe('an unexpected failure of the batch', () => {
    beforeEach(() => {
      settleBatch.mockRejectedValue(new Error('numeric field overflow'));
      settle.mockImplementation(async (tradeId) => {
        if (tradeId === '8') throw new Error('numeric field overflow');
        return { trade: trade(tradeId) as Settlement['trade'], changed: true };
      });
      rejectUnprocessable.mockImplementation(async (tradeId, reason) =>
        trade(tradeId, { status: TradeStatus.Rejected, rejectReason: reason }),
      );
    });

    it('settles the trades one at a time, so only the one at fault is rejected, after five attempts', async () => {
      const batch = new FakeBatch([event('7'), event('8'), event('9')]);
      await handle(batch);
      expect(settle.mock.calls.map(([id]) => id)).toEqual(['7', '8', '8', '8', '8', '8', '9']);
      expect(rejectUnprocessable).toHaveBeenCalledWith('8', 'could not be applied: numeric field overflow');
      expect(
        batch.produced<TradeSettledEvent>(KafkaTopic.TradeSettled).map((e) => [e.tradeId, e.status]),
      ).toEqual([
        ['7', 'APPLIED'],
        ['8', 'REJECTED'],
        ['9', 'APPLIED'],
      ]);
      expect(batch.produced<TradeDeadLetterEvent>(KafkaTopic.TradeDeadLetter).map((d) => d.offset)).toEqual([
        '42',
      ]);
      expect(batch.log).toContain('commit 44');
    });

    it('announces no rejection when the trade was settled meanwhile, but still dead-letters it', async () => {
      rejectUnprocessable.mockResolvedValue(null);
      const batch = new FakeBatch([event('8')]);
      await handle(batch);
      expect(batch.produced(KafkaTopic.TradeSettled)).toEqual([]);
      expect(batch.produced(KafkaTopic.TradeDeadLetter)).toHaveLength(1);
    });
  });

  describe('a failure after the trades are settled', () => {
    it('rewinds to the chunk instead of committing or resolving it', async () => {
      const batch = new FakeBatch([event('7'), event('8')]);
      batch.failSends = true;
      await handle(batch);
      expect(settleBatch).toHaveBeenCalledTimes(1);
      expect(batch.log).toEqual(['seek 41']);
    });
  });

  describe('shutdown', () => {
    it('stops retrying a failing batch and rewinds to it, uncommitted', async () => {
      settleBatch.mockRejectedValue(new Error('Connection terminated'));
      const batch = new FakeBatch([event('7')]);
      const done = controller.onTradesSubmitted(batch.payloads, batch.context);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await controller.beforeApplicationShutdown();
      await done;
      expect(batch.log).toEqual(['pause', 'seek 41']);
    });

    it('lets the chunk in flight settle, announce and commit, starts no other, and only then returns', async () => {
      let release: () => void = () => undefined;
      settleBatch.mockImplementationOnce(
        (requests) => new Promise((resolve) => (release = () => resolve(applyAll(requests)))),
      );
      const events = Array.from({ length: MAX_CHUNK + 1 }, (_, i) => event(String(i + 1)));
      const batch = new FakeBatch(events, 0n);
      const done = controller.onTradesSubmitted(batch.payloads, batch.context);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const shutdown = controller.beforeApplicationShutdown().then(() => batch.log.push('shutdown returned'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(batch.log).toEqual(['pause']);
      release();
      await Promise.all([done, shutdown]);
      expect(settleBatch).toHaveBeenCalledTimes(1);
      expect(batch.log).toEqual([
        'pause',
        `send ${KafkaTopic.TradeSettled}×${MAX_CHUNK}`,
        `commit ${MAX_CHUNK}`,
        `resolve ${MAX_CHUNK - 1}`,
        `seek ${MAX_CHUNK}`,
        'shutdown returned',
      ]);
    });
  });
});
