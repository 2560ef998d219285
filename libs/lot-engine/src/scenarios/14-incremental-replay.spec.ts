import fc from 'fast-check';
import {
  replayTrades,
  rewindBook,
  settleRun,
  summarizePosition,
  type BookSnapshot,
  type OpenLot,
  type RunTrade,
  type TradeInput,
} from '../index';
import { sumCents } from './support/sum-cents';

// A backdated trade is settled by rewinding the book to its point in time (rewindBook) and settling what came
// after it again together with it (settleRun). The model below keeps books the way the matcher does (lots and
// entries with ids, a position row) and uses only those two functions; a full replay is the oracle.

interface Trade {
  id: number;
  /** Execution time; ties are broken by id. */
  t: number;
  qty: string;
  price: string;
}

interface Lot {
  id: number;
  tradeId: number;
  t: number;
  qty: string;
  remaining: string;
  price: string;
}

interface Entry {
  id: number;
  sell: number;
  lotId: number;
  qty: string;
  buyPrice: string;
  realizedPnl: string;
}

const before = (a: { t: number; id: number }, b: { t: number; id: number }): boolean =>
  a.t < b.t || (a.t === b.t && a.id < b.id);
const byExecution = (a: { t: number; id: number }, b: { t: number; id: number }): number =>
  before(a, b) ? -1 : before(b, a) ? 1 : 0;
const lotOrder = (a: Lot, b: Lot): number =>
  byExecution({ t: a.t, id: a.tradeId }, { t: b.t, id: b.tradeId });

/** One position's books, kept as the matcher keeps them in PostgreSQL. */
class Books {
  readonly trades = new Map<
    number,
    Trade & { status: 'PENDING' | 'APPLIED' | 'REJECTED'; reason?: string }
  >();
  readonly lots = new Map<number, Lot>();
  readonly entries = new Map<number, Entry>();
  position = { openQty: '0', openCost: '0', realizedPnl: '0', realizedEntries: 0 };
  /** Trades given to settleRun again by the replays so far (the work done). */
  replayed = 0;
  private nextLot = 1;
  private nextEntry = 1;

  constructor(private readonly loadStep: number) {}

  /** Settles a chunk of newly arrived trades, as MatchingService.settleBatch does for one position. */
  settle(arrived: readonly Trade[]): void {
    for (const trade of arrived) this.trades.set(trade.id, { ...trade, status: 'PENDING' });
    const pending = [...arrived].sort(byExecution);
    const first = pending[0];
    if (!first) return;
    const later = [...this.trades.values()]
      .filter((t) => t.status === 'APPLIED' && before(first, t))
      .sort(byExecution);
    this.replayed += later.length;
    const laterSells = new Set(later.filter((t) => t.qty.startsWith('-')).map((t) => t.id));
    const laterBuys = new Set(later.filter((t) => !t.qty.startsWith('-')).map((t) => t.id));
    const laterEntries = [...this.entries.values()].filter((e) => laterSells.has(e.sell));
    const lotOf = (id: number): Lot => {
      const lot = this.lots.get(id);
      if (!lot) throw new Error(`no lot ${id}`);
      return lot;
    };
    const keyOf = (lot: Lot): string => (laterBuys.has(lot.tradeId) ? String(lot.tradeId) : `lot:${lot.id}`);
    const restored = [...new Set(laterEntries.map((e) => e.lotId))]
      .map(lotOf)
      .filter((lot) => !laterBuys.has(lot.tradeId))
      .sort(lotOrder);
    const book = rewindBook({
      ...this.position,
      trades: later.map(engineTrade),
      entries: laterEntries.map((e) => ({
        lotKey: keyOf(lotOf(e.lotId)),
        sellTradeId: String(e.sell),
        qty: e.qty,
        buyPrice: e.buyPrice,
        realizedPnl: e.realizedPnl,
      })),
      lots: restored.map(openLot),
    });
    // The open lots before the point that follow the restored ones, loaded a few at a time as the engine asks.
    const last = restored[restored.length - 1];
    const more = [...this.lots.values()]
      .filter(
        (lot) =>
          lot.remaining !== '0' &&
          before({ t: lot.t, id: lot.tradeId }, first) &&
          (!last || lotOrder(last, lot) < 0),
      )
      .sort(lotOrder);
    const run: RunTrade[] = [
      ...later.map((t) => ({ ...engineTrade(t), replayed: true })),
      ...pending.map(engineTrade),
    ].sort((a, b) => byExecution(this.key(a.id), this.key(b.id)));
    let loaded = this.loadStep;
    let result = settleRun(withLots(book, more.slice(0, loaded)), run);
    while (result.kind === 'needsMoreLots') {
      if (loaded >= more.length) throw new Error('the engine asked for lots that do not exist');
      loaded *= 2;
      result = settleRun(withLots(book, more.slice(0, loaded)), run);
    }

    // Write what the engine decided: lots keep their ids, entries of an unchanged (sell, lot) pair keep theirs.
    const bookLots = [...book.lots, ...more.slice(0, loaded).map(openLot)];
    const reduced = new Map(result.reducedLots.map((lot) => [lot.key, lot.remainingQty]));
    for (const lot of bookLots) {
      lotOf(Number(lot.key.slice(4))).remaining = reduced.get(lot.key) ?? lot.remainingQty;
    }
    const lotIdByTrade = new Map([...this.lots.values()].map((lot) => [lot.tradeId, lot.id]));
    for (const opened of result.openedLots) {
      const existing = lotIdByTrade.get(Number(opened.tradeId));
      if (existing !== undefined) {
        lotOf(existing).remaining = opened.remainingQty;
        continue;
      }
      const trade = this.key(opened.tradeId);
      const lot = { id: this.nextLot++, tradeId: trade.id, t: trade.t, ...pick(opened) };
      this.lots.set(lot.id, lot);
      lotIdByTrade.set(lot.tradeId, lot.id);
    }
    const old = new Map(laterEntries.map((e) => [`${e.sell}|${e.lotId}`, e]));
    for (const drafted of result.entries) {
      const lotId = drafted.lotKey.startsWith('lot:')
        ? Number(drafted.lotKey.slice(4))
        : (lotIdByTrade.get(Number(drafted.lotKey)) as number);
      const pair = `${drafted.sellTradeId}|${lotId}`;
      const kept = old.get(pair);
      old.delete(pair);
      const values = { qty: drafted.qty, buyPrice: drafted.buyPrice, realizedPnl: drafted.realizedPnl };
      if (kept) Object.assign(kept, values);
      else {
        const id = this.nextEntry++;
        this.entries.set(id, { id, sell: Number(drafted.sellTradeId), lotId, ...values });
      }
    }
    for (const gone of old.values()) this.entries.delete(gone.id);
    this.position = {
      openQty: result.openQty,
      openCost: result.openCost,
      realizedPnl: result.realizedPnl,
      realizedEntries: result.realizedEntries,
    };
    for (const outcome of result.outcomes) {
      const trade = this.trades.get(Number(outcome.tradeId));
      if (!trade) throw new Error(`outcome for unknown trade ${outcome.tradeId}`);
      trade.status = outcome.status;
      trade.reason = outcome.reason;
    }
  }

  private key(id: string | number): Trade {
    const trade = this.trades.get(Number(id));
    if (!trade) throw new Error(`no trade ${id}`);
    return trade;
  }
}

function engineTrade(trade: Trade): TradeInput {
  return { id: String(trade.id), qty: trade.qty, price: trade.price };
}

function openLot(lot: Lot): OpenLot {
  return { key: `lot:${lot.id}`, qty: lot.qty, remainingQty: lot.remaining, price: lot.price };
}

function pick(lot: OpenLot): Pick<Lot, 'qty' | 'remaining' | 'price'> {
  return { qty: lot.qty, remaining: lot.remainingQty, price: lot.price };
}

function withLots(book: BookSnapshot, more: readonly Lot[]): BookSnapshot {
  return { ...book, lots: [...book.lots, ...more.map(openLot)] };
}

/** The oracle: the applied trades replayed from scratch in execution order must give the same books. */
function expectBooksEqualReplay(books: Books): void {
  const applied = [...books.trades.values()].filter((t) => t.status === 'APPLIED').sort(byExecution);
  const replay = replayTrades(applied.map(engineTrade));
  expect(replay.outcomes.filter((o) => o.status === 'REJECTED')).toEqual([]);
  const lotByTrade = new Map([...books.lots.values()].map((lot) => [String(lot.tradeId), lot]));
  expect([...lotByTrade.keys()].sort()).toEqual(replay.lots.map((lot) => lot.tradeId).sort());
  for (const lot of replay.lots) expect(lotByTrade.get(lot.tradeId)?.remaining).toBe(lot.remainingQty);
  const tradeOfLot = new Map([...books.lots.values()].map((lot) => [lot.id, lot.tradeId]));
  const written = [...books.entries.values()]
    .map((e) => `${e.sell}>${tradeOfLot.get(e.lotId)}:${e.qty}:${e.realizedPnl}`)
    .sort();
  const expected = replay.entries.map((e) => `${e.sellTradeId}>${e.lotKey}:${e.qty}:${e.realizedPnl}`).sort();
  expect(written).toEqual(expected);
  const summary = summarizePosition(replay.lots);
  expect(books.position).toEqual({
    openQty: summary.quantity,
    openCost: summary.costBasis,
    realizedPnl: sumCents(replay.entries.map((e) => e.realizedPnl)),
    realizedEntries: replay.entries.length,
  });
}

describe('scenario 14: incremental replay of backdated trades', () => {
  it('settles the reference scenario in any arrival order to the same books', () => {
    const trades: Trade[] = [
      { id: 1, t: 10, qty: '100', price: '150' },
      { id: 2, t: 20, qty: '50', price: '160' },
      { id: 3, t: 30, qty: '-80', price: '170' },
    ];
    for (const order of [
      [0, 1, 2],
      [1, 0, 2],
      [0, 2, 1],
    ]) {
      const books = new Books(1);
      for (const index of order) books.settle([trades[index] as Trade]);
      expectBooksEqualReplay(books);
      expect([...books.trades.values()].map((t) => t.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);
      expect(books.position).toEqual({
        openQty: '70',
        openCost: '11000',
        realizedPnl: '1600',
        realizedEntries: 1,
      });
    }
  });

  it('a sell that arrives before the buy it needs is rejected with the quantity open when it arrived', () => {
    const books = new Books(1);
    books.settle([{ id: 2, t: 20, qty: '50', price: '160' }]);
    books.settle([{ id: 3, t: 30, qty: '-80', price: '170' }]);
    books.settle([{ id: 1, t: 10, qty: '100', price: '150' }]);
    expect(books.trades.get(3)).toMatchObject({
      status: 'REJECTED',
      reason: 'insufficient quantity: open 50, sell 80',
    });
    expectBooksEqualReplay(books);
  });

  it('a backdated buy moves the later sells onto it: lots keep their ids, the touched entries are rewritten', () => {
    const books = new Books(8);
    books.settle([
      { id: 1, t: 10, qty: '10', price: '100' },
      { id: 2, t: 20, qty: '10', price: '110' },
      { id: 3, t: 30, qty: '-5', price: '120' },
    ]);
    const [entry] = [...books.entries.values()];
    expect(entry).toMatchObject({ id: 1, sell: 3, lotId: 1, qty: '5', realizedPnl: '100' });
    books.settle([{ id: 4, t: 5, qty: '2', price: '90' }]);
    expectBooksEqualReplay(books);
    // Sell 3 now takes 2 from the new lot (its own entry, new id) and 3 from lot 1 (entry 1 rewritten in place).
    expect([...books.entries.values()]).toEqual([
      { id: 1, sell: 3, lotId: 1, qty: '3', buyPrice: '100', realizedPnl: '60' },
      { id: 2, sell: 3, lotId: 3, qty: '2', buyPrice: '90', realizedPnl: '60' },
    ]);
    expect(books.lots.get(1)?.remaining).toBe('7');
    expect(books.replayed).toBe(3);
  });

  it('rejects a backdated sell that would invalidate an applied one, naming it, and changes nothing', () => {
    const books = new Books(8);
    books.settle([
      { id: 1, t: 10, qty: '10', price: '100' },
      { id: 2, t: 30, qty: '-8', price: '120' },
    ]);
    const snapshot = JSON.stringify([...books.entries.values(), ...books.lots.values(), books.position]);
    books.settle([{ id: 3, t: 20, qty: '-5', price: '130' }]);
    expect(books.trades.get(3)).toMatchObject({
      status: 'REJECTED',
      reason: 'backdated trade would invalidate trade 2 (insufficient quantity: open 5, sell 8)',
    });
    expect(JSON.stringify([...books.entries.values(), ...books.lots.values(), books.position])).toBe(
      snapshot,
    );
    expectBooksEqualReplay(books);
  });

  it('in one chunk, decides pending sells in execution order against the replayed ones after them', () => {
    const books = new Books(8);
    books.settle([
      { id: 1, t: 10, qty: '10', price: '100' },
      { id: 2, t: 40, qty: '-6', price: '100' },
    ]);
    // Sell 3 (t 20) takes 3 of the slack of 4 left for trade 2; sell 4 (t 30) would take 2 more and is refused.
    books.settle([
      { id: 4, t: 30, qty: '-2', price: '100' },
      { id: 3, t: 20, qty: '-3', price: '100' },
      { id: 5, t: 50, qty: '-1', price: '100' },
    ]);
    expect([3, 4, 5].map((id) => [books.trades.get(id)?.status, books.trades.get(id)?.reason])).toEqual([
      ['APPLIED', undefined],
      ['REJECTED', 'backdated trade would invalidate trade 2 (insufficient quantity: open 5, sell 6)'],
      ['APPLIED', undefined],
    ]);
    expectBooksEqualReplay(books);
  });

  it('rewinds a book to any point of its history: the same book as a replay of the history up to it', () => {
    const op = fc.record({
      buy: fc.boolean(),
      qty: fc.integer({ min: 1, max: 30 }),
      cents: fc.integer({ min: 1, max: 9_999 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.nat(), (ops, cut) => {
        const history: TradeInput[] = ops.map((o, index) => ({
          id: String(index + 1),
          qty: o.buy ? String(o.qty) : `-${o.qty}`,
          price: sumCents([String(o.cents / 100)]),
        }));
        const whole = replayTrades(history);
        const applied = history.filter((_, index) => whole.outcomes[index]?.status === 'APPLIED');
        const split = cut % (applied.length + 1);
        const later = applied.slice(split);
        const laterIds = new Set(later.map((t) => t.id));
        const laterEntries = whole.entries.filter((e) => laterIds.has(e.sellTradeId));
        const touched = new Set(laterEntries.map((e) => e.lotKey));
        const lots = whole.lots.filter((lot) => touched.has(lot.key) && !laterIds.has(lot.key));
        const rewound = rewindBook({
          openQty: summarizePosition(whole.lots).quantity,
          openCost: summarizePosition(whole.lots).costBasis,
          realizedPnl: sumCents(whole.entries.map((e) => e.realizedPnl)),
          realizedEntries: whole.entries.length,
          trades: later,
          entries: laterEntries,
          lots,
        });
        const prefix = replayTrades(applied.slice(0, split));
        const open = prefix.lots.filter((lot) => lot.remainingQty !== '0');
        expect(rewound).toMatchObject({
          openQty: summarizePosition(prefix.lots).quantity,
          openCost: summarizePosition(prefix.lots).costBasis,
          realizedPnl: sumCents(prefix.entries.map((e) => e.realizedPnl)),
          realizedEntries: prefix.entries.length,
        });
        // The restored lots are the oldest lots open at the point, with what they held then.
        expect(rewound.lots.map((lot) => [lot.key, lot.remainingQty])).toEqual(
          open.slice(0, rewound.lots.length).map((lot) => [lot.key, lot.remainingQty]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('any arrival order, settled in chunks of any size, gives the books of a replay of the accepted trades', () => {
    const op = fc.record({
      buy: fc.boolean(),
      qty: fc.integer({ min: 1, max: 30 }),
      cents: fc.integer({ min: 1, max: 9_999 }),
      t: fc.integer({ min: 0, max: 40 }),
    });
    const stream = fc
      .array(op, { minLength: 1, maxLength: 40 })
      .chain((ops) =>
        fc.tuple(
          fc.constant(ops),
          fc.shuffledSubarray([...ops.keys()], { minLength: ops.length, maxLength: ops.length }),
          fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 1, max: 4 }),
        ),
      );
    fc.assert(
      fc.property(stream, ([ops, arrival, chunkSizes, loadStep]) => {
        const trades: Trade[] = ops.map((o, index) => ({
          id: index + 1,
          t: o.t,
          qty: o.buy ? String(o.qty) : `-${o.qty}`,
          price: sumCents([String(o.cents / 100)]),
        }));
        const books = new Books(loadStep);
        let prefixesOversell = false;
        let next = 0;
        for (let chunk = 0; next < arrival.length; chunk++) {
          const size = chunkSizes[chunk % chunkSizes.length] ?? 1;
          const arrived = arrival.slice(next, next + size).map((index) => trades[index] as Trade);
          next += arrived.length;
          const first = [...arrived].sort(byExecution)[0] as Trade;
          const untouched = JSON.stringify(
            [...books.entries.values()].filter((e) => before(books.trades.get(e.sell) as Trade, first)),
          );
          books.settle(arrived);
          // Nothing before the chunk's earliest trade is rewritten: those entries keep their ids and values.
          const after = [...books.entries.values()].filter((e) =>
            before(books.trades.get(e.sell) as Trade, first),
          );
          expect(JSON.stringify(after)).toBe(untouched);
          const seen = arrival.slice(0, next).map((index) => trades[index] as Trade);
          const all = replayTrades([...seen].sort(byExecution).map(engineTrade));
          if (all.outcomes.some((o) => o.status === 'REJECTED')) prefixesOversell = true;
        }
        expectBooksEqualReplay(books);
        for (const trade of books.trades.values()) {
          expect(trade.status).not.toBe('PENDING');
          if (trade.status === 'REJECTED')
            expect(trade.reason).toMatch(
              /^(insufficient quantity|backdated trade would invalidate trade \d+ )/,
            );
        }
        // With no oversell at any point of the arrival, every trade is accepted: the books are one replay of all.
        if (!prefixesOversell)
          expect([...books.trades.values()].every((t) => t.status === 'APPLIED')).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
