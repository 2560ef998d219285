import { KafkaTopic, TradeStatus } from '@lotwise/contracts';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { checkViolation, FakeTradesDatabase } from '../../testing/fake-trades-db';
import { MAX_BATCH_ROWS, TradeRow, TradeWriter } from './trade-writer';

const at = new Date('2026-11-25T14:30:00.120Z');

function row(fields: Partial<TradeRow> = {}): TradeRow {
  const account = fields.account ?? 'default';
  const symbol = fields.symbol ?? 'AAPL';
  return {
    account,
    symbol,
    qty: '100',
    price: '150.25',
    executedAt: at,
    receivedAt: at,
    status: TradeStatus.Pending,
    clientTradeId: null,
    requestHash: 'f'.repeat(64),
    topic: KafkaTopic.TradeSubmitted,
    messageKey: `${account}|${symbol}`,
    payload: JSON.stringify({ eventVersion: 1, account, symbol }),
    ...fields,
  };
}

/** Rows each statement carried. */
function rowsPerStatement(db: FakeTradesDatabase): number[] {
  return db.statements.map((s) => (s.params[0] as unknown[]).length);
}

describe('TradeWriter (group commit)', () => {
  let db: FakeTradesDatabase;
  let writer: TradeWriter;

  beforeEach(async () => {
    db = new FakeTradesDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [TradeWriter, { provide: getDataSourceToken(), useValue: db.dataSource }],
    }).compile();
    writer = moduleRef.get(TradeWriter);
  });

  it('writes concurrent trades with one statement, and gives each its own id in arrival order', async () => {
    const ids = await Promise.all([
      writer.write(row({ symbol: 'AAPL' })),
      writer.write(row({ symbol: 'MSFT' })),
      writer.write(row({ symbol: 'IBM' })),
    ]);
    expect(ids).toEqual(['42', '43', '44']);
    expect(db.statements).toHaveLength(1);
    expect(db.statements[0]?.name).toBe('lotwise_submit_trades');
    expect(db.trades.map((t) => [t.id, t.symbol])).toEqual([
      ['42', 'AAPL'],
      ['43', 'MSFT'],
      ['44', 'IBM'],
    ]);
    expect(db.outbox.map((o) => o.payload)).toEqual([
      expect.objectContaining({ symbol: 'AAPL', tradeId: '42' }),
      expect.objectContaining({ symbol: 'MSFT', tradeId: '43' }),
      expect.objectContaining({ symbol: 'IBM', tradeId: '44' }),
    ]);
    expect(db.connectionsInUse).toBe(0);
  });

  it("locks the batch's positions, by message key, in the statement that draws the ids", async () => {
    await Promise.all([
      writer.write(row({ symbol: 'AAPL' })),
      writer.write(row({ symbol: 'MSFT', account: 'bob' })),
    ]);
    expect(db.locks).toEqual([['default|AAPL', 'bob|MSFT']]);
  });

  it('sends a lone trade at once, without waiting for a timer', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      await expect(writer.write(row())).resolves.toBe('42');
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps one batch in flight: what arrives meanwhile goes together once it has committed', async () => {
    let open: () => void = () => undefined;
    db.gate = new Promise<void>((resolve) => (open = resolve));
    const first = writer.write(row({ symbol: 'A' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.statements).toHaveLength(1);
    const later = [writer.write(row({ symbol: 'B' })), writer.write(row({ symbol: 'C' }))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.statements).toHaveLength(1);
    expect(db.trades).toEqual([]);
    db.gate = null;
    open();
    await expect(Promise.all([first, ...later])).resolves.toEqual(['42', '43', '44']);
    expect(rowsPerStatement(db)).toEqual([1, 2]);
    expect(db.timeline).toEqual(['insert 42', 'insert 43,44']);
  });

  it(`puts at most ${MAX_BATCH_ROWS} rows in one statement`, async () => {
    const count = MAX_BATCH_ROWS * 2 + 5;
    const ids = await Promise.all(
      Array.from({ length: count }, (_, i) => writer.write(row({ qty: String(i + 1) }))),
    );
    expect(new Set(ids).size).toBe(count);
    expect(rowsPerStatement(db)).toEqual([MAX_BATCH_ROWS, MAX_BATCH_ROWS, 5]);
    expect(db.trades.map((t) => t.qty)).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
  });

  it('answers null for a clientTradeId taken by an earlier row of the same batch', async () => {
    const ids = await Promise.all([
      writer.write(row({ clientTradeId: 'order-1' })),
      writer.write(row({ clientTradeId: 'order-1' })),
      writer.write(row({ clientTradeId: 'order-1', account: 'bob' })),
    ]);
    expect(ids).toEqual(['42', null, '43']);
    expect(db.outbox).toHaveLength(2);
  });

  it('retries a batch that failed on a value row by row: only the offending request fails', async () => {
    db.rowError = (trade) => (trade.price === '0' ? checkViolation() : null);
    const results = await Promise.allSettled([
      writer.write(row({ symbol: 'A' })),
      writer.write(row({ symbol: 'B', price: '0' })),
      writer.write(row({ symbol: 'C' })),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: '42' },
      { status: 'rejected', reason: expect.objectContaining({ code: '23514' }) },
      { status: 'fulfilled', value: '43' },
    ]);
    // The batch, then each row on its own with the same statement.
    expect(rowsPerStatement(db)).toEqual([3, 1, 1, 1]);
    expect(new Set(db.statements.map((s) => s.name))).toEqual(new Set(['lotwise_submit_trades']));
    expect(db.trades.map((t) => t.symbol)).toEqual(['A', 'C']);
    expect(db.outbox.map((o) => o.messageKey)).toEqual(['default|A', 'default|C']);
    expect(db.connectionsInUse).toBe(0);
  });

  it('fails the whole batch, without retrying, on an error that is not about a value', async () => {
    db.failOutboxInsert = Object.assign(new Error('Connection terminated unexpectedly'), {});
    const results = await Promise.allSettled([writer.write(row()), writer.write(row({ symbol: 'B' }))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(db.statements).toHaveLength(1);
    expect(db.connectionsInUse).toBe(0);
  });

  it('does not retry a lone row that failed on a value', async () => {
    db.rowError = () => checkViolation();
    await expect(writer.write(row())).rejects.toMatchObject({ code: '23514' });
    expect(db.statements).toHaveLength(1);
  });

  it('carries on with the next batch after a failed one', async () => {
    db.failOutboxInsert = new Error('gone');
    await expect(writer.write(row())).rejects.toThrow('gone');
    db.failOutboxInsert = null;
    await expect(writer.write(row())).resolves.toBe('42');
  });
});
