import { KafkaTopic, Trade, TradeStatus, TradeSubmittedEvent } from '@lotwise/contracts';
import { TradeEntity } from '@lotwise/server-data';
import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { TradeEventsService } from '../events/trade-events.service';
import { OutboxRelayService } from '../outbox/outbox-relay.service';
import { SubmitTradeDto } from './dto/submit-trade.dto';
import { FakeTradesDatabase } from '../../testing/fake-trades-db';
import { TradeWriter } from './trade-writer';
import { TradesService } from './trades.service';

const receivedAt = new Date('2026-11-25T14:30:00.120Z');

function dto(fields: Partial<SubmitTradeDto> = {}): SubmitTradeDto {
  return Object.assign(new SubmitTradeDto(), { symbol: 'AAPL', qty: '100', price: '150.25', ...fields });
}

describe('TradesService', () => {
  let db: FakeTradesDatabase;
  let service: TradesService;
  /** Trades announced on the live feed behind GET /events. */
  let announced: Trade[];

  beforeEach(async () => {
    db = new FakeTradesDatabase();
    announced = [];
    const relay = { kick: () => db.timeline.push('kick') };
    const feed = { tradeSubmitted: (trade: Trade) => announced.push(trade) };
    const moduleRef = await Test.createTestingModule({
      providers: [
        TradesService,
        TradeWriter,
        { provide: getDataSourceToken(), useValue: db.dataSource },
        { provide: OutboxRelayService, useValue: relay },
        { provide: TradeEventsService, useValue: feed },
      ],
    }).compile();
    service = moduleRef.get(TradesService);
  });

  describe('submit', () => {
    it('records a new trade as PENDING and reports it created', async () => {
      const result = await service.submit(dto(), receivedAt);
      expect(result).toEqual({
        created: true,
        trade: {
          id: '42',
          account: 'default',
          symbol: 'AAPL',
          qty: '100',
          price: '150.25',
          executedAt: receivedAt.toISOString(),
          receivedAt: receivedAt.toISOString(),
          status: TradeStatus.Pending,
        },
      });
      expect(db.trades).toHaveLength(1);
      expect(db.trades[0]?.status).toBe(TradeStatus.Pending);
    });

    it('stores decimals in canonical form, whether sent as strings or numbers', async () => {
      await service.submit(dto({ qty: '100.50', price: 150 }), receivedAt);
      expect(db.trades[0]).toMatchObject({ qty: '100.5', price: '150' });
    });

    it('stores a sell with its sign and without leading zeros', async () => {
      await service.submit(dto({ qty: '-007.250', price: '0.10' }), receivedAt);
      expect(db.trades[0]).toMatchObject({ qty: '-7.25', price: '0.1' });
    });

    it("uses the 'default' account when none is given", async () => {
      await service.submit(dto(), receivedAt);
      expect(db.trades[0]?.account).toBe('default');
    });

    it('keeps the given account', async () => {
      await service.submit(dto({ account: 'alice' }), receivedAt);
      expect(db.trades[0]?.account).toBe('alice');
    });

    it('uses the time the request was received when executedAt is omitted', async () => {
      await service.submit(dto(), receivedAt);
      expect(db.trades[0]?.executedAt.toISOString()).toBe('2026-11-25T14:30:00.120Z');
      expect(db.trades[0]?.receivedAt.toISOString()).toBe('2026-11-25T14:30:00.120Z');
    });

    it('stores a given executedAt as the instant it names, whatever its offset', async () => {
      await service.submit(dto({ executedAt: '2026-11-25T15:00:00+01:00' }), receivedAt);
      expect(db.trades[0]?.executedAt.toISOString()).toBe('2026-11-25T14:00:00.000Z');
    });

    it('accepts an executedAt up to five minutes ahead of the clock', async () => {
      const executedAt = new Date(receivedAt.getTime() + 5 * 60 * 1000).toISOString();
      await expect(service.submit(dto({ executedAt }), receivedAt)).resolves.toMatchObject({ created: true });
    });

    it('rejects an executedAt more than five minutes in the future, naming the field', async () => {
      const executedAt = new Date(receivedAt.getTime() + 5 * 60 * 1000 + 1).toISOString();
      const attempt = service.submit(dto({ executedAt }), receivedAt);
      await expect(attempt).rejects.toBeInstanceOf(BadRequestException);
      await expect(attempt).rejects.toMatchObject({
        response: { message: [expect.stringContaining('executedAt')] },
      });
      expect(db.trades).toEqual([]);
      expect(db.outbox).toEqual([]);
    });

    it('writes one trades.submitted.v1 outbox row keyed by account|symbol', async () => {
      await service.submit(dto({ account: 'alice', symbol: 'MSFT' }), receivedAt);
      expect(db.outbox).toEqual([
        expect.objectContaining({ topic: KafkaTopic.TradeSubmitted, messageKey: 'alice|MSFT' }),
      ]);
    });

    it('puts the recorded trade, canonical, in the outbox payload', async () => {
      await service.submit(
        dto({ qty: '100.50', price: 150, executedAt: '2026-11-25T14:29:00Z' }),
        receivedAt,
      );
      const expected: TradeSubmittedEvent = {
        eventVersion: 1,
        tradeId: '42',
        account: 'default',
        symbol: 'AAPL',
        qty: '100.5',
        price: '150',
        executedAt: '2026-11-25T14:29:00.000Z',
        receivedAt: '2026-11-25T14:30:00.120Z',
      };
      expect(db.outbox[0]?.payload).toEqual(expected);
    });

    it('writes the trade and its outbox row with one statement, every value a parameter', async () => {
      await service.submit(dto({ account: 'alice', symbol: 'MSFT', clientTradeId: 'order-9' }), receivedAt);
      expect(db.statements).toHaveLength(1);
      const { sql = '', params = [] } = db.statements[0] ?? {};
      expect(db.connectionsInUse).toBe(0);
      for (const value of ['alice', 'MSFT', 'order-9', KafkaTopic.TradeSubmitted]) {
        expect(sql).not.toContain(value);
        expect(params.flat()).toContain(value);
      }
    });

    it('sends it as one named statement, so PostgreSQL plans it once per connection', async () => {
      await service.submit(dto(), receivedAt);
      await service.submit(dto({ symbol: 'MSFT' }), receivedAt);
      const [first, second] = db.statements;
      expect(first?.name).toEqual(expect.any(String));
      expect(second?.name).toBe(first?.name);
      expect(second?.sql).toBe(first?.sql);
    });

    it('gives the connection back when the statement fails', async () => {
      db.failOutboxInsert = new Error('outbox unavailable');
      await expect(service.submit(dto(), receivedAt)).rejects.toThrow('outbox unavailable');
      expect(db.connectionsInUse).toBe(0);
    });

    it('stores the request fingerprint with the trade', async () => {
      await service.submit(dto(), receivedAt);
      expect(db.trades[0]?.requestHash).toMatch(/^[0-9a-f]{64}$/);
      expect(db.trades[0]?.clientTradeId).toBeNull();
    });

    it('wakes the outbox relay after the statement committed', async () => {
      await service.submit(dto(), receivedAt);
      expect(db.timeline).toEqual(['insert 42', 'kick']);
    });

    it('shares one statement between concurrent submissions, each answered with its own trade', async () => {
      const results = await Promise.all([
        service.submit(dto({ symbol: 'AAPL' }), receivedAt),
        service.submit(dto({ symbol: 'MSFT', qty: '-5' }), receivedAt),
        service.submit(dto({ symbol: 'IBM', account: 'bob' }), receivedAt),
      ]);
      expect(db.statements).toHaveLength(1);
      expect(
        results.map((r) => [r.created, r.trade.id, r.trade.account, r.trade.symbol, r.trade.qty]),
      ).toEqual([
        [true, '42', 'default', 'AAPL', '100'],
        [true, '43', 'default', 'MSFT', '-5'],
        [true, '44', 'bob', 'IBM', '100'],
      ]);
      expect(db.outbox.map((o) => [o.messageKey, (o.payload as { tradeId: string }).tradeId])).toEqual([
        ['default|AAPL', '42'],
        ['default|MSFT', '43'],
        ['bob|IBM', '44'],
      ]);
      expect(announced.map((t) => t.id)).toEqual(['42', '43', '44']);
    });

    it('neither records the trade nor wakes the relay when the outbox insert fails', async () => {
      db.failOutboxInsert = new Error('outbox unavailable');
      await expect(service.submit(dto(), receivedAt)).rejects.toThrow('outbox unavailable');
      expect(db.trades).toEqual([]);
      expect(db.timeline).toEqual([]);
    });

    it('announces the accepted trade on the live feed', async () => {
      const { trade } = await service.submit(dto(), receivedAt);
      expect(announced).toEqual([trade]);
    });

    it('announces nothing when the trade is not recorded', async () => {
      db.failOutboxInsert = new Error('outbox unavailable');
      await expect(service.submit(dto(), receivedAt)).rejects.toThrow();
      expect(announced).toEqual([]);
    });

    describe('with a clientTradeId', () => {
      const first = { clientTradeId: 'order-1', qty: '100.50', executedAt: '2026-11-25T14:00:00Z' };

      it('answers a resend with the same body with the existing trade, created: false', async () => {
        const original = await service.submit(dto(first), receivedAt);
        const resend = await service.submit(dto(first), new Date(receivedAt.getTime() + 1000));
        expect(resend).toEqual({ trade: original.trade, created: false });
      });

      it('does not record or publish a resend a second time', async () => {
        await service.submit(dto(first), receivedAt);
        db.timeline.length = 0;
        await service.submit(dto(first), receivedAt);
        expect(db.trades).toHaveLength(1);
        expect(db.outbox).toHaveLength(1);
        expect(db.timeline).toEqual([]);
        expect(announced).toHaveLength(1);
      });

      it('treats equal decimals and instants written differently as the same body', async () => {
        await service.submit(dto(first), receivedAt);
        const resend = await service.submit(
          dto({ ...first, qty: 100.5, symbol: 'AAPL', executedAt: '2026-11-25T15:00:00+01:00' }),
          receivedAt,
        );
        expect(resend.created).toBe(false);
      });

      it('matches a resend that omits executedAt again, though it arrives later', async () => {
        await service.submit(dto({ clientTradeId: 'order-2' }), receivedAt);
        const resend = await service.submit(
          dto({ clientTradeId: 'order-2' }),
          new Date(receivedAt.getTime() + 60_000),
        );
        expect(resend.created).toBe(false);
      });

      it.each<[string, Partial<SubmitTradeDto>]>([
        ['qty', { qty: '101' }],
        ['price', { price: '150.26' }],
        ['symbol', { symbol: 'MSFT' }],
        ['executedAt', { executedAt: '2026-11-25T14:00:01Z' }],
      ])('rejects a resend with a different %s with ConflictException', async (_field, change) => {
        await service.submit(dto(first), receivedAt);
        await expect(service.submit(dto({ ...first, ...change }), receivedAt)).rejects.toBeInstanceOf(
          ConflictException,
        );
        expect(db.trades).toHaveLength(1);
        expect(db.outbox).toHaveLength(1);
      });

      it('keeps clientTradeIds separate per account', async () => {
        await service.submit(dto(first), receivedAt);
        const other = await service.submit(dto({ ...first, account: 'bob' }), receivedAt);
        expect(other.created).toBe(true);
        expect(db.trades).toHaveLength(2);
      });

      it('answers the loser of a concurrent insert like a resend', async () => {
        db.racingTrade = await recordedElsewhere(first);
        const result = await service.submit(dto(first), receivedAt);
        expect(result).toEqual({ trade: expect.objectContaining({ id: '7' }), created: false });
        expect(db.outbox).toEqual([]);
        expect(db.timeline).toEqual([]);
        expect(announced).toEqual([]);
      });

      it('answers two identical requests racing in one batch: one creates the trade, the other gets it', async () => {
        const [a, b] = await Promise.all([
          service.submit(dto(first), receivedAt),
          service.submit(dto(first), receivedAt),
        ]);
        expect(db.statements).toHaveLength(1);
        expect([a.created, b.created]).toEqual([true, false]);
        expect(b.trade).toEqual(a.trade);
        expect(db.trades).toHaveLength(1);
        expect(db.outbox).toHaveLength(1);
        expect(announced).toEqual([a.trade]);
      });

      it('answers a different body racing in the same batch with ConflictException', async () => {
        const [a, b] = await Promise.allSettled([
          service.submit(dto(first), receivedAt),
          service.submit(dto({ ...first, qty: '1' }), receivedAt),
        ]);
        expect(a).toMatchObject({ status: 'fulfilled', value: { created: true } });
        expect(b).toMatchObject({ status: 'rejected', reason: expect.any(ConflictException) });
        expect(db.trades).toHaveLength(1);
      });

      it('answers the loser of a concurrent insert with a different body with ConflictException', async () => {
        db.racingTrade = await recordedElsewhere({ ...first, qty: '1' });
        await expect(service.submit(dto(first), receivedAt)).rejects.toBeInstanceOf(ConflictException);
      });
    });
  });

  describe('get', () => {
    it('returns the trade in canonical form', async () => {
      db.trades.push(tradeRow({ id: '5', qty: '100.000', price: '150.2500' }));
      await expect(service.get('5')).resolves.toMatchObject({ id: '5', qty: '100', price: '150.25' });
    });

    it.each(['99', 'abc', '1; DROP TABLE trades', '1234567890123456789012'])(
      'throws NotFoundException for %p',
      async (id) => {
        await expect(service.get(id)).rejects.toBeInstanceOf(NotFoundException);
      },
    );
  });

  /** What another api instance would have committed for the same request: a row with its own id. */
  async function recordedElsewhere(fields: Partial<SubmitTradeDto>): Promise<TradeEntity> {
    const elsewhere = new FakeTradesDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [
        TradesService,
        TradeWriter,
        { provide: getDataSourceToken(), useValue: elsewhere.dataSource },
        { provide: OutboxRelayService, useValue: { kick: () => undefined } },
        { provide: TradeEventsService, useValue: { tradeSubmitted: () => undefined } },
      ],
    }).compile();
    await moduleRef.get(TradesService).submit(dto(fields), receivedAt);
    const row = elsewhere.trades[0];
    if (!row) throw new Error('the other instance recorded nothing');
    return Object.assign(new TradeEntity(), row, { id: '7' });
  }
});

function tradeRow(fields: Partial<TradeEntity>): TradeEntity {
  return Object.assign(new TradeEntity(), {
    id: '1',
    account: 'default',
    symbol: 'AAPL',
    qty: '100',
    price: '150',
    executedAt: new Date('2026-11-25T14:00:00Z'),
    receivedAt: new Date('2026-11-25T14:00:00Z'),
    status: TradeStatus.Pending,
    rejectReason: null,
    settledAt: null,
    clientTradeId: null,
    requestHash: null,
    ...fields,
  });
}
