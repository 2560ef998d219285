import { replayTrades, summarizePosition } from '@lotwise/lot-engine';
import { postgresSettingsFromEnv, typeOrmOptions } from '@lotwise/server-data';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { MatchingService, SettleRequest } from './matching.service';

// The settlement step on real PostgreSQL, without Kafka: trades are recorded PENDING, settled in batches of
// any arrival order, and the books compared with the lot engine's replay of the applied trades.

const dataSource = new DataSource(typeOrmOptions(postgresSettingsFromEnv(), 'lotwise-matcher-it'));
const service = new MatchingService(dataSource);
const account = `mit-${process.pid}`;
const T0 = Date.UTC(2026, 0, 5, 14, 30);
let symbolSeq = 0;
const newSymbol = () => `S${++symbolSeq}`;

interface Recorded {
  id: string;
  account: string;
  symbol: string;
  qty: string;
  price: string;
}

/** Records trades as the api does (PENDING), executed at T0 + `ms` (fractional ms become microseconds). */
async function record(
  symbol: string,
  trades: readonly [qty: string, price: string, ms: number][],
): Promise<Recorded[]> {
  const rows: { id: string }[] = await dataSource.query(
    `INSERT INTO trades (account, symbol, qty, price, executed_at)
     SELECT $1, $2, q, p, to_timestamp($5::float8 / 1000) + make_interval(secs => ms / 1000)
       FROM unnest($3::numeric[], $4::numeric[], $6::numeric[]) WITH ORDINALITY AS u(q, p, ms, ord)
      ORDER BY ord RETURNING id::text`,
    [account, symbol, trades.map((t) => t[0]), trades.map((t) => t[1]), T0, trades.map((t) => t[2])],
  );
  return rows.map((row, index) => ({
    id: row.id,
    account,
    symbol,
    qty: trades[index]?.[0] ?? '',
    price: trades[index]?.[1] ?? '',
  }));
}

const request = (trade: Recorded): SettleRequest => ({
  tradeId: trade.id,
  expected: { account: trade.account, symbol: trade.symbol, qty: trade.qty, price: trade.price },
});

async function statuses(symbol: string): Promise<Record<string, string>> {
  const rows: { id: string; status: string; reason: string | null }[] = await dataSource.query(
    `SELECT id::text, status, reject_reason AS reason FROM trades WHERE account = $1 AND symbol = $2`,
    [account, symbol],
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.reason ? `${r.status}: ${r.reason}` : r.status]));
}

async function entries(
  symbol: string,
): Promise<{ id: string; sell: string; lotTrade: string; qty: string }[]> {
  return dataSource.query(
    `SELECT e.id::text, e.sell_trade_id::text AS sell, l.trade_id::text AS "lotTrade", trim_scale(e.qty)::text AS qty
       FROM realized_pnl e JOIN lots l ON l.id = e.lot_id WHERE e.account = $1 AND e.symbol = $2 ORDER BY e.id`,
    [account, symbol],
  );
}

/** The books of a position equal the replay of its applied trades in execution order, which rejects none. */
async function expectBooksEqualReplay(symbol: string): Promise<void> {
  // trades.id, not id: ORDER BY would otherwise pick the text column of the select list ("113" < "96").
  const applied: { id: string; qty: string; price: string }[] = await dataSource.query(
    `SELECT id::text, trim_scale(qty)::text AS qty, trim_scale(price)::text AS price FROM trades
      WHERE account = $1 AND symbol = $2 AND status = 'APPLIED' ORDER BY executed_at, trades.id`,
    [account, symbol],
  );
  const replay = replayTrades(applied);
  expect(replay.outcomes.filter((o) => o.status === 'REJECTED')).toEqual([]);
  const lots: { trade: string; remaining: string }[] = await dataSource.query(
    `SELECT trade_id::text AS trade, trim_scale(remaining_qty)::text AS remaining FROM lots
      WHERE account = $1 AND symbol = $2 ORDER BY trade_id`,
    [account, symbol],
  );
  expect(lots.map((l) => [l.trade, l.remaining]).sort()).toEqual(
    replay.lots.map((l) => [l.tradeId, l.remainingQty]).sort(),
  );
  const written = (await entries(symbol)).map((e) => `${e.sell}>${e.lotTrade}:${e.qty}`).sort();
  expect(written).toEqual(replay.entries.map((e) => `${e.sellTradeId}>${e.lotKey}:${e.qty}`).sort());
  const [position] = await dataSource.query(
    `SELECT trim_scale(open_qty)::text AS "openQty", trim_scale(open_cost)::text AS "openCost",
            realized_entries::int AS "realizedEntries",
            realized_pnl = (SELECT COALESCE(sum(realized_pnl), 0) FROM realized_pnl WHERE account = $1 AND symbol = $2)
              AS "realizedMatches"
       FROM positions WHERE account = $1 AND symbol = $2`,
    [account, symbol],
  );
  const summary = summarizePosition(replay.lots);
  // A position none of whose trades has been settled yet has no row.
  expect(position ?? { openQty: '0', openCost: '0', realizedEntries: 0, realizedMatches: true }).toEqual({
    openQty: summary.quantity,
    openCost: summary.costBasis,
    realizedEntries: replay.entries.length,
    realizedMatches: true,
  });
}

beforeAll(() => dataSource.initialize());
afterAll(async () => {
  await dataSource.query(`DELETE FROM realized_pnl WHERE account = $1`, [account]);
  await dataSource.query(`DELETE FROM lots WHERE account = $1`, [account]);
  await dataSource.query(`DELETE FROM positions WHERE account = $1`, [account]);
  await dataSource.query(`DELETE FROM trades WHERE account = $1`, [account]);
  await dataSource.destroy();
});

describe('MatchingService on PostgreSQL: one step for every arrival order', () => {
  it('settles the seed scenario with its middle buy arriving last: lots 20 and 50, realized 1600', async () => {
    const symbol = newSymbol();
    const [buy1, buy2, sell] = (await record(symbol, [
      ['100', '150', 0],
      ['50', '160', 1000],
      ['-80', '170', 2000],
    ])) as [Recorded, Recorded, Recorded];
    await service.settleBatch([request(buy1), request(sell)]);
    const [entry] = await entries(symbol);
    const [result] = await service.settleBatch([request(buy2)]);
    expect(result).toMatchObject({ kind: 'settled', changed: true, trade: { status: 'APPLIED' } });
    await expectBooksEqualReplay(symbol);
    // The sell's entry came out of the replay unchanged, so it kept its row.
    expect(await entries(symbol)).toEqual([entry]);
  });

  it('moves later sells onto a backdated buy: lots keep their ids, a changed entry is rewritten in place', async () => {
    const symbol = newSymbol();
    const [buy, sell] = (await record(symbol, [
      ['10', '100', 10],
      ['-4', '120', 20],
    ])) as [Recorded, Recorded];
    await service.settleBatch([request(buy), request(sell)]);
    const lotsBefore: { id: string }[] = await dataSource.query(
      `SELECT id::text FROM lots WHERE account = $1 AND symbol = $2`,
      [account, symbol],
    );
    const [old] = await entries(symbol);
    const [early] = (await record(symbol, [['3', '90', 5]])) as [Recorded];
    await service.settleBatch([request(early)]);
    await expectBooksEqualReplay(symbol);
    const after = await entries(symbol);
    expect(after).toEqual([
      { id: old?.id, sell: sell.id, lotTrade: buy.id, qty: '1' },
      { id: expect.any(String), sell: sell.id, lotTrade: early.id, qty: '3' },
    ]);
    const lotsAfter: { id: string }[] = await dataSource.query(
      `SELECT id::text FROM lots WHERE account = $1 AND symbol = $2 AND trade_id = $3`,
      [account, symbol, buy.id],
    );
    expect(lotsAfter).toEqual(lotsBefore);
  });

  it('rejects a backdated sell that would invalidate an applied one, naming it; the books stay as they were', async () => {
    const symbol = newSymbol();
    const [buy, sell] = (await record(symbol, [
      ['10', '100', 10],
      ['-8', '120', 30],
    ])) as [Recorded, Recorded];
    await service.settleBatch([request(buy), request(sell)]);
    const before = await entries(symbol);
    const [late] = (await record(symbol, [['-5', '130', 20]])) as [Recorded];
    const [result] = await service.settleBatch([request(late)]);
    expect(result).toMatchObject({
      kind: 'settled',
      trade: {
        status: 'REJECTED',
        rejectReason: `backdated trade would invalidate trade ${sell.id} (insufficient quantity: open 5, sell 8)`,
      },
    });
    expect(await entries(symbol)).toEqual(before);
    await expectBooksEqualReplay(symbol);
  });

  it('settles a single trade (the isolation path) with the same step, and a redelivery changes nothing', async () => {
    const symbol = newSymbol();
    const [buy, sell] = (await record(symbol, [
      ['5', '10', 20],
      ['-2', '11', 10],
    ])) as [Recorded, Recorded];
    await expect(service.settle(buy.id, request(buy).expected)).resolves.toMatchObject({ changed: true });
    await expect(service.settle(sell.id, request(sell).expected)).resolves.toMatchObject({
      changed: true,
      trade: { status: 'REJECTED', rejectReason: 'insufficient quantity: open 0, sell 2' },
    });
    await expect(service.settle(buy.id, request(buy).expected)).resolves.toMatchObject({ changed: false });
    await expectBooksEqualReplay(symbol);
  });

  it('refuses a trade backdated behind more applied trades than one settlement replays, and settles the rest', async () => {
    const shallow = new MatchingService(dataSource);
    shallow.maxReplayTrades = 3;
    const symbol = newSymbol();
    const history = await record(symbol, [
      ['10', '10', 10],
      ['-1', '11', 20],
      ['1', '12', 30],
      ['-1', '13', 40],
      ['1', '14', 50],
    ]);
    await shallow.settleBatch(history.map(request));
    // Behind 4 applied trades (refused), behind 2 (replayed), and one in order.
    const [deep, backdated, inOrder] = (await record(symbol, [
      ['2', '9', 15],
      ['-1', '15', 35],
      ['1', '16', 60],
    ])) as [Recorded, Recorded, Recorded];
    const results = await shallow.settleBatch([request(inOrder), request(deep), request(backdated)]);
    expect(results.map((r) => (r.kind === 'settled' ? [r.trade.status, r.trade.rejectReason] : r))).toEqual([
      ['APPLIED', null],
      [
        'REJECTED',
        `backdated trade would replay more than 3 applied trades of ${account}/${symbol}, the most one settlement replays`,
      ],
      ['APPLIED', null],
    ]);
    await expectBooksEqualReplay(symbol);
  });

  it('any arrival order in batches of any size, over several positions at once, equals a replay', async () => {
    const op = fc.record({
      position: fc.integer({ min: 0, max: 2 }),
      buy: fc.boolean(),
      qty: fc.integer({ min: 1, max: 20 }),
      cents: fc.integer({ min: 1, max: 99_999 }),
      // Microseconds apart at the finest: the order must hold below the millisecond.
      at: fc.integer({ min: 0, max: 30 }).map((n) => n / 1000 + n),
    });
    const runs: [
      ops: (typeof op extends fc.Arbitrary<infer T> ? T : never)[],
      order: number[],
      sizes: number[],
    ][] = fc.sample(
      fc
        .array(op, { minLength: 5, maxLength: 60 })
        .chain((ops) =>
          fc.tuple(
            fc.constant(ops),
            fc.shuffledSubarray([...ops.keys()], { minLength: ops.length, maxLength: ops.length }),
            fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
          ),
        ),
      { numRuns: 12, seed: 20261201 },
    );
    for (const [ops, order, sizes] of runs) {
      const symbols = [newSymbol(), newSymbol(), newSymbol()];
      const recorded: Recorded[] = [];
      for (const o of ops) {
        const [trade] = await record(symbols[o.position] as string, [
          [o.buy ? String(o.qty) : `-${o.qty}`, (o.cents / 100).toFixed(2), o.at],
        ]);
        recorded.push(trade as Recorded);
      }
      for (let next = 0, chunk = 0; next < order.length; chunk++) {
        const size = sizes[chunk % sizes.length] ?? 1;
        const batch = order.slice(next, next + size).map((index) => recorded[index] as Recorded);
        next += batch.length;
        const results = await service.settleBatch(batch.map(request));
        expect(results.every((r) => r.kind === 'settled' && r.trade.status !== 'PENDING')).toBe(true);
        // After every batch, not only at the end: each settlement leaves exact books.
        for (const symbol of symbols) await expectBooksEqualReplay(symbol);
      }
      for (const symbol of symbols) {
        expect(Object.values(await statuses(symbol)).filter((s) => s === 'PENDING')).toEqual([]);
      }
    }
  });
});
