import fc from 'fast-check';
import {
  matchTrade,
  replayTrades,
  type OpenLot,
  type PnlEntryDraft,
  type ReplayResult,
  type TradeInput,
} from '../index';

/*
 * Independent reference model: fixed point BigInt with 8 fractional digits (P&L at 16), naive FIFO
 * scan over every lot. It shares no code with the engine and does not use decimal.js.
 */
const SCALE = 8;
const UNIT = 10n ** BigInt(SCALE);

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

function parse(text: string, scale: number): bigint {
  const match = /^(-?)(0|[1-9]\d*)(?:\.(\d*[1-9]))?$/.exec(text);
  if (!match) throw new Error(`not a canonical decimal: "${text}"`);
  const [, sign, int = '', frac = ''] = match;
  if (frac.length > scale) throw new Error(`"${text}" has more than ${scale} fractional digits`);
  const units = BigInt(`${int}${frac.padEnd(scale, '0')}`);
  return sign === '-' ? -units : units;
}

interface ModelLot {
  id: string;
  qty: bigint;
  remaining: bigint;
  price: bigint;
}

interface ModelBook {
  lots: ModelLot[];
  entries: PnlEntryDraft[];
  outcomes: ReplayResult['outcomes'];
}

function openQty(book: ModelBook): bigint {
  return book.lots.reduce((sum, lot) => sum + lot.remaining, 0n);
}

function applyToModel(book: ModelBook, id: string, qty: bigint, price: bigint): void {
  if (qty > 0n) {
    book.lots.push({ id, qty, remaining: qty, price });
    book.outcomes.push({ tradeId: id, status: 'APPLIED' });
    return;
  }
  const sell = -qty;
  const open = openQty(book);
  if (sell > open) {
    book.outcomes.push({
      tradeId: id,
      status: 'REJECTED',
      reason: `insufficient quantity: open ${format(open, SCALE)}, sell ${format(sell, SCALE)}`,
    });
    return;
  }
  let left = sell;
  for (const lot of book.lots) {
    if (left === 0n) break;
    if (lot.remaining === 0n) continue;
    const take = lot.remaining < left ? lot.remaining : left;
    lot.remaining -= take;
    left -= take;
    book.entries.push({
      lotKey: lot.id,
      sellTradeId: id,
      qty: format(take, SCALE),
      buyPrice: format(lot.price, SCALE),
      sellPrice: format(price, SCALE),
      realizedPnl: format((price - lot.price) * take, 2 * SCALE),
    });
  }
  book.outcomes.push({ tradeId: id, status: 'APPLIED' });
}

function modelResult(book: ModelBook): ReplayResult {
  return {
    lots: book.lots.map((lot) => ({
      key: lot.id,
      tradeId: lot.id,
      qty: format(lot.qty, SCALE),
      remainingQty: format(lot.remaining, SCALE),
      price: format(lot.price, SCALE),
    })),
    entries: book.entries,
    outcomes: book.outcomes,
  };
}

/** Same bookkeeping a caller would do around matchTrade, to prove replay == incremental. */
function applyIncrementally(trades: readonly TradeInput[]): ReplayResult {
  const result: ReplayResult = { lots: [], entries: [], outcomes: [] };
  for (const trade of trades) {
    const open: OpenLot[] = result.lots
      .filter((lot) => lot.remainingQty !== '0')
      .map(({ key, qty, remainingQty, price }) => ({ key, qty, remainingQty, price }));
    const outcome = matchTrade(open, trade);
    if (outcome.kind === 'opened') {
      result.lots.push({ ...outcome.lot, tradeId: trade.id });
    } else if (outcome.kind === 'closed') {
      for (const reduction of outcome.reductions) {
        const lot = result.lots.find((l) => l.key === reduction.key);
        if (!lot) throw new Error(`reduction for unknown lot ${reduction.key}`);
        lot.remainingQty = reduction.remainingQtyAfter;
      }
      result.entries.push(...outcome.entries);
    }
    result.outcomes.push(
      outcome.kind === 'rejected'
        ? { tradeId: trade.id, status: 'REJECTED', reason: outcome.reason }
        : { tradeId: trade.id, status: 'APPLIED' },
    );
  }
  return result;
}

type Op =
  | { kind: 'buy'; symbol: string; qty: bigint; price: bigint }
  | { kind: 'sell'; symbol: string; qty: bigint; price: bigint }
  | { kind: 'sellShare'; symbol: string; quarters: number; price: bigint }
  | { kind: 'sellAll'; symbol: string; extra: bigint; price: bigint };

const symbolArb = fc.constantFrom('AAPL', 'BTC', 'ETH');
const qtyArb = fc.oneof(
  fc.bigInt({ min: 1n, max: 100n * UNIT }),
  fc.integer({ min: 1, max: 50 }).map((n) => BigInt(n) * UNIT),
  fc.constantFrom(1n, UNIT / 10n, UNIT / 2n, (UNIT * 3n) / 10n),
);
const priceArb = fc.oneof(
  fc.bigInt({ min: 1n, max: 100_000n * UNIT }),
  fc.integer({ min: 1, max: 500 }).map((n) => BigInt(n) * UNIT),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      symbol: symbolArb,
      qty: qtyArb,
      price: priceArb,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('sell' as const),
      symbol: symbolArb,
      qty: qtyArb,
      price: priceArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('sellShare' as const),
      symbol: symbolArb,
      quarters: fc.integer({ min: 1, max: 3 }),
      price: priceArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('sellAll' as const),
      symbol: symbolArb,
      extra: fc.constantFrom(0n, 0n, 1n),
      price: priceArb,
    }),
    weight: 1,
  },
);

/** Turns ops into concrete trades; sell sizes that depend on the open position read the model. */
function build(ops: readonly Op[]): { trades: Map<string, TradeInput[]>; books: Map<string, ModelBook> } {
  const trades = new Map<string, TradeInput[]>();
  const books = new Map<string, ModelBook>();
  ops.forEach((op, index) => {
    const book = books.get(op.symbol) ?? { lots: [], entries: [], outcomes: [] };
    books.set(op.symbol, book);
    let signed: bigint;
    switch (op.kind) {
      case 'buy':
        signed = op.qty;
        break;
      case 'sell':
        signed = -op.qty;
        break;
      case 'sellShare': {
        const share = (openQty(book) * BigInt(op.quarters)) / 4n;
        signed = -(share > 0n ? share : 1n);
        break;
      }
      case 'sellAll': {
        const all = openQty(book) + op.extra;
        signed = -(all > 0n ? all : 1n);
        break;
      }
    }
    const id = `t${index}`;
    const list = trades.get(op.symbol) ?? [];
    list.push({ id, qty: format(signed, SCALE), price: format(op.price, SCALE) });
    trades.set(op.symbol, list);
    applyToModel(book, id, signed, op.price);
  });
  return { trades, books };
}

describe('scenario 12: property test against an independent BigInt FIFO model', () => {
  it('matches the model and conserves quantity and P&L over 2,000 random streams', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const { trades, books } = build(ops);
        for (const [symbol, symbolTrades] of trades) {
          const book = books.get(symbol);
          if (!book) throw new Error(`no model book for ${symbol}`);
          const replayed = replayTrades(symbolTrades);

          expect(replayed).toEqual(modelResult(book));
          expect(applyIncrementally(symbolTrades)).toEqual(replayed);

          const applied = new Set(
            replayed.outcomes.filter((o) => o.status === 'APPLIED').map((o) => o.tradeId),
          );
          const bought = replayed.lots.reduce((sum, lot) => sum + parse(lot.qty, SCALE), 0n);
          const open = replayed.lots.reduce((sum, lot) => sum + parse(lot.remainingQty, SCALE), 0n);
          const sold = symbolTrades
            .filter((t) => applied.has(t.id) && t.qty.startsWith('-'))
            .reduce((sum, t) => sum - parse(t.qty, SCALE), 0n);
          expect(bought).toBe(open + sold);

          const matched = replayed.entries.reduce((sum, e) => sum + parse(e.qty, SCALE), 0n);
          expect(matched).toBe(sold);

          const booked = replayed.entries.reduce((sum, e) => sum + parse(e.realizedPnl, 2 * SCALE), 0n);
          const recomputed = replayed.entries.reduce(
            (sum, e) => sum + (parse(e.sellPrice, SCALE) - parse(e.buyPrice, SCALE)) * parse(e.qty, SCALE),
            0n,
          );
          expect(booked).toBe(recomputed);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
