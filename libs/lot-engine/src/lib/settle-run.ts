import { type Dec, requireDecimal, toCanonical } from './decimal';
import { LotEngineInputError } from './errors';
import {
  ZERO,
  allocateFifo,
  insufficientReason,
  type LotState,
  requireId,
  validateOpenLots,
  validateTrade,
  type ValidTrade,
} from './fifo';
import type { OpenLot, PnlEntryDraft, ReplayedLot, TradeInput, TradeOutcome } from './types';

/** What the books hold for one account+symbol at the point a run of trades starts. */
export interface BookSnapshot {
  /** Open quantity of the whole position: every open lot, loaded or not. */
  openQty: string;
  /** Σ remainingQty × price over every open lot. */
  openCost: string;
  /** Σ realizedPnl of the position's entries. */
  realizedPnl: string;
  /** How many realized entries the position has. */
  realizedEntries: number;
  /**
   * The oldest open lots in FIFO order: a prefix of the position's open lots, enough to cover what the
   * trades will consume. Lots beyond the prefix are never needed as long as the prefix covers the sells.
   */
  lots: readonly OpenLot[];
}

/** A trade of a run. */
export interface RunTrade extends TradeInput {
  /**
   * Applied before, and settled again because a trade that executed before it is being settled now. It must
   * stay applied: a pending trade that would make it fail is rejected instead.
   */
  replayed?: boolean;
}

export interface RunSettlement {
  kind: 'settled';
  /** One per pending (not replayed) trade, in the order given. */
  outcomes: TradeOutcome[];
  /** Lots opened by the run's applied buys, replayed ones included (key = trade id), with what is left of them. */
  openedLots: ReplayedLot[];
  /** Lots of the snapshot the run reduced, with their remaining quantity after it. */
  reducedLots: { key: string; remainingQty: string }[];
  /** P&L entries of the run's sells, replayed ones included, in the order they were produced. */
  entries: PnlEntryDraft[];
  /** The position after the run: totals over every lot and entry, not only the run's. */
  openQty: string;
  openCost: string;
  realizedPnl: string;
  realizedEntries: number;
  /** The last applied trade of the run in execution order, or null when the run applied none. */
  lastAppliedId: string | null;
}

/** A sell reached past the loaded prefix of lots: load more of them and settle the run again. */
export interface LotsNeeded {
  kind: 'needsMoreLots';
  tradeId: string;
}

interface RunLot extends LotState {
  readonly opened: boolean;
  readonly qty: Dec;
  remaining: Dec;
}

interface Decided extends ValidTrade {
  readonly replayed: boolean;
  readonly applied: boolean;
  readonly reason?: string;
}

/**
 * Settles a run of one position's trades, in the execution order given, on top of the book as it stood where
 * the run starts: the one step behind every settlement, in order or backdated. Pending trades are decided
 * first, from quantities alone (FIFO moves cost and P&L, never what is open): a sell is applied when the
 * quantity open at its point covers it and, once it is, every replayed sell after it is still covered;
 * otherwise it is rejected, naming the first replayed trade it would invalidate. Then the applied trades are
 * matched FIFO against the book's lots and the lots the run opens. Answers 'needsMoreLots' when a sell
 * reaches past the loaded prefix; throws LotEngineInputError for malformed input or a snapshot that
 * contradicts itself (a replayed trade that fails even without the pending ones).
 */
export function settleRun(book: BookSnapshot, trades: readonly RunTrade[]): RunSettlement | LotsNeeded {
  if (book === null || typeof book !== 'object') throw new LotEngineInputError('book', 'must be an object');
  if (!Array.isArray(trades)) throw new LotEngineInputError('trades', 'must be an array');
  let open = requireDecimal(book.openQty, 'book.openQty', 'nonNegative');
  let cost = requireDecimal(book.openCost, 'book.openCost', 'nonNegative');
  let realized = requireDecimal(book.realizedPnl, 'book.realizedPnl', 'any');
  let entryCount = requireCount(book.realizedEntries, 'book.realizedEntries');
  const lots: RunLot[] = validateOpenLots(book.lots).map((lot) => ({
    ...lot,
    opened: false,
    qty: lot.remaining,
  }));
  const loaded = lots.reduce((sum, lot) => sum.plus(lot.remaining), ZERO);
  // Open quantity held by lots past the loaded prefix: FIFO may not reach new lots while any is left.
  const unloaded = open.minus(loaded);
  if (unloaded.isNegative()) {
    throw new LotEngineInputError(
      'book.lots',
      `hold ${toCanonical(loaded)}, more than openQty ${book.openQty}`,
    );
  }
  const decided = decide(open, validateRun(trades, lots));
  let prefixRemaining = loaded;
  const outcomes: TradeOutcome[] = [];
  const entries: PnlEntryDraft[] = [];
  const reduced = new Set<number>();
  let head = 0;
  let lastAppliedId: string | null = null;

  for (const trade of decided) {
    if (!trade.replayed) {
      outcomes.push(
        trade.applied
          ? { tradeId: trade.id, status: 'APPLIED' }
          : { tradeId: trade.id, status: 'REJECTED', reason: trade.reason ?? 'rejected' },
      );
    }
    if (!trade.applied) continue;
    lastAppliedId = trade.id;
    if (trade.qty.gt(0)) {
      lots.push({ key: trade.id, price: trade.price, qty: trade.qty, remaining: trade.qty, opened: true });
      open = open.plus(trade.qty);
      cost = cost.plus(trade.qty.times(trade.price));
      continue;
    }
    const sellQty = trade.qty.neg();
    if (unloaded.gt(0) && sellQty.gt(prefixRemaining)) return { kind: 'needsMoreLots', tradeId: trade.id };
    for (const allocation of allocateFifo(lots, head, sellQty, trade.price, trade.id)) {
      const lot = lots[allocation.lotIndex];
      if (!lot) continue;
      const matched = lot.remaining.minus(allocation.remainingAfter);
      if (!lot.opened) {
        reduced.add(allocation.lotIndex);
        prefixRemaining = prefixRemaining.minus(matched);
      }
      cost = cost.minus(lot.price.times(matched));
      realized = realized.plus(trade.price.minus(lot.price).times(matched));
      lot.remaining = allocation.remainingAfter;
      entries.push(allocation.entry);
      entryCount++;
    }
    open = open.minus(sellQty);
    while (head < lots.length && lots[head]?.remaining.isZero()) head++;
  }

  return {
    kind: 'settled',
    outcomes,
    openedLots: lots
      .filter((lot) => lot.opened)
      .map((lot) => ({
        key: lot.key,
        tradeId: lot.key,
        qty: toCanonical(lot.qty),
        remainingQty: toCanonical(lot.remaining),
        price: toCanonical(lot.price),
      })),
    reducedLots: [...reduced]
      .sort((a, b) => a - b)
      .map((index) => lots[index])
      .filter((lot): lot is RunLot => lot !== undefined)
      .map((lot) => ({ key: lot.key, remainingQty: toCanonical(lot.remaining) })),
    entries,
    openQty: toCanonical(open),
    openCost: toCanonical(cost),
    realizedPnl: toCanonical(realized),
    realizedEntries: entryCount,
    lastAppliedId,
  };
}

function requireCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LotEngineInputError(field, 'must be a non-negative safe integer');
  }
  return value;
}

function validateRun(
  trades: readonly RunTrade[],
  lots: readonly LotState[],
): (ValidTrade & { replayed: boolean })[] {
  const seen = new Set<string>(lots.map((lot) => lot.key));
  return trades.map((trade, index) => {
    const valid = validateTrade(trade, `trades[${index}]`);
    // A repeated id would become a duplicate lot key or an ambiguous P&L reference.
    if (seen.has(valid.id))
      throw new LotEngineInputError(`trades[${index}].id`, `duplicates id "${valid.id}"`);
    seen.add(valid.id);
    const replayed = trade.replayed ?? false;
    if (typeof replayed !== 'boolean') {
      throw new LotEngineInputError(`trades[${index}].replayed`, 'must be a boolean');
    }
    return { ...valid, replayed };
  });
}

/**
 * Which pending trades apply, from quantities alone, in one pass plus a suffix minimum. `base[i]` is what is
 * open before trade i counting every buy and every replayed sell; a replayed sell j has slack base[j] − qty[j]
 * (≥ 0, since it applied before). Pending sells are taken in execution order: with A the quantity of those
 * applied so far (all before i), sell i applies when base[i] − A covers it and every later replayed sell keeps
 * a slack ≥ A + qty[i].
 */
function decide(open: Dec, trades: readonly (ValidTrade & { replayed: boolean })[]): Decided[] {
  const base: Dec[] = [];
  let level = open;
  for (const [index, trade] of trades.entries()) {
    base.push(level);
    const pendingSell = !trade.replayed && trade.qty.isNegative();
    if (pendingSell) continue;
    if (trade.replayed && trade.qty.neg().gt(level)) {
      throw new LotEngineInputError(
        `trades[${index}]`,
        `replayed trade ${trade.id} fails on its own: ${insufficientReason(level, trade.qty.neg())}`,
      );
    }
    level = level.plus(trade.qty);
  }
  // minSlackAfter[i]: the least slack of the replayed sells after trade i (null: there are none).
  const minSlackAfter: (Dec | null)[] = new Array(trades.length).fill(null);
  let least: Dec | null = null;
  for (let index = trades.length - 1; index >= 0; index--) {
    minSlackAfter[index] = least;
    const trade = trades[index];
    const before = base[index];
    if (trade?.replayed && trade.qty.isNegative() && before) {
      const slack = before.plus(trade.qty);
      if (least === null || slack.lt(least)) least = slack;
    }
  }
  let taken = ZERO;
  return trades.map((trade, index) => {
    if (trade.replayed || trade.qty.gt(0)) return { ...trade, applied: true };
    const sellQty = trade.qty.neg();
    const openHere = (base[index] as Dec).minus(taken);
    if (sellQty.gt(openHere)) {
      return { ...trade, applied: false, reason: insufficientReason(openHere, sellQty) };
    }
    const slack = minSlackAfter[index] ?? null;
    if (slack !== null && slack.minus(taken).lt(sellQty)) {
      return { ...trade, applied: false, reason: victimReason(trades, base, index, taken.plus(sellQty)) };
    }
    taken = taken.plus(sellQty);
    return { ...trade, applied: true };
  });
}

/** Names the first replayed sell after `index` that `less` less open quantity would make fail. */
function victimReason(
  trades: readonly (ValidTrade & { replayed: boolean })[],
  base: readonly Dec[],
  index: number,
  less: Dec,
): string {
  for (let later = index + 1; later < trades.length; later++) {
    const trade = trades[later];
    const before = base[later];
    if (!trade?.replayed || !trade.qty.isNegative() || !before) continue;
    const openThere = before.minus(less);
    if (trade.qty.neg().gt(openThere)) {
      return `backdated trade would invalidate trade ${trade.id} (${insufficientReason(openThere, trade.qty.neg())})`;
    }
  }
  throw new Error('a replayed sell lacked slack, yet none was found');
}

/** The book as it stands now, and what was applied after the point a run starts at. */
export interface RewindInput {
  openQty: string;
  openCost: string;
  realizedPnl: string;
  realizedEntries: number;
  /** The applied trades executed after the point, in any order. */
  trades: readonly TradeInput[];
  /** Every P&L entry of those trades' sells; lotKey names a lot of `lots` or a buy of `trades` (its id). */
  entries: readonly Pick<PnlEntryDraft, 'lotKey' | 'sellTradeId' | 'qty' | 'buyPrice' | 'realizedPnl'>[];
  /** The lots opened before the point that those entries consumed, in FIFO order, as they are now. */
  lots: readonly OpenLot[];
}

/**
 * The book as it stood at a point in a position's history, from the book now and what was applied after the
 * point: the sells after it give back what their entries took, the buys after it take their lots away. The
 * lots that the later sells consumed are, in FIFO order, the oldest of those open at the point (FIFO consumes
 * from the head), so they are the snapshot's loaded prefix; further lots, up to the point, follow them.
 * Work is proportional to what happened after the point, never to the history before it.
 */
export function rewindBook(input: RewindInput): BookSnapshot {
  if (input === null || typeof input !== 'object')
    throw new LotEngineInputError('input', 'must be an object');
  let open = requireDecimal(input.openQty, 'openQty', 'nonNegative');
  let cost = requireDecimal(input.openCost, 'openCost', 'nonNegative');
  let realized = requireDecimal(input.realizedPnl, 'realizedPnl', 'any');
  let entryCount = requireCount(input.realizedEntries, 'realizedEntries');
  if (!Array.isArray(input.trades)) throw new LotEngineInputError('trades', 'must be an array');
  if (!Array.isArray(input.entries)) throw new LotEngineInputError('entries', 'must be an array');
  if (!Array.isArray(input.lots)) throw new LotEngineInputError('lots', 'must be an array');
  const laterBuys = new Set<string>();
  const laterSells = new Set<string>();
  input.trades.forEach((trade, index) => {
    const valid = validateTrade(trade, `trades[${index}]`);
    if (valid.qty.gt(0)) {
      laterBuys.add(valid.id);
      open = open.minus(valid.qty);
      cost = cost.minus(valid.qty.times(valid.price));
    } else {
      laterSells.add(valid.id);
      open = open.minus(valid.qty);
    }
  });
  const restored = new Map<string, { lot: OpenLot; remaining: Dec; qty: Dec }>();
  input.lots.forEach((lot, index) => {
    const key = requireId(lot?.key, `lots[${index}].key`);
    if (restored.has(key) || laterBuys.has(key)) {
      throw new LotEngineInputError(`lots[${index}].key`, `duplicates key "${key}"`);
    }
    restored.set(key, {
      lot: { ...lot, price: toCanonical(requireDecimal(lot.price, `lots[${index}].price`, 'positive')) },
      qty: requireDecimal(lot.qty, `lots[${index}].qty`, 'positive'),
      remaining: requireDecimal(lot.remainingQty, `lots[${index}].remainingQty`, 'nonNegative'),
    });
  });
  input.entries.forEach((entry, index) => {
    const field = `entries[${index}]`;
    if (!laterSells.has(entry?.sellTradeId)) {
      throw new LotEngineInputError(`${field}.sellTradeId`, 'must name a sell of trades');
    }
    const qty = requireDecimal(entry.qty, `${field}.qty`, 'positive');
    cost = cost.plus(qty.times(requireDecimal(entry.buyPrice, `${field}.buyPrice`, 'positive')));
    realized = realized.minus(requireDecimal(entry.realizedPnl, `${field}.realizedPnl`, 'any'));
    entryCount--;
    const lot = restored.get(entry.lotKey);
    if (lot) lot.remaining = lot.remaining.plus(qty);
    else if (!laterBuys.has(entry.lotKey)) {
      throw new LotEngineInputError(
        `${field}.lotKey`,
        `names lot "${entry.lotKey}", neither in lots nor a later buy`,
      );
    }
  });
  if (open.isNegative() || cost.isNegative() || entryCount < 0) {
    throw new LotEngineInputError('input', 'the later trades and entries take more than the book holds');
  }
  return {
    openQty: toCanonical(open),
    openCost: toCanonical(cost),
    realizedPnl: toCanonical(realized),
    realizedEntries: entryCount,
    lots: [...restored.values()].map(({ lot, qty, remaining }) => {
      if (remaining.gt(qty)) {
        throw new LotEngineInputError('lots', `lot "${lot.key}" would hold more than it opened with`);
      }
      return { key: lot.key, qty: toCanonical(qty), remainingQty: toCanonical(remaining), price: lot.price };
    }),
  };
}
