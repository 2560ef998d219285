import { type Dec, requireDecimal, toCanonical } from './decimal';
import { LotEngineInputError } from './errors';
import {
  ZERO,
  allocateFifo,
  insufficientReason,
  type LotState,
  validateOpenLots,
  validateTrade,
} from './fifo';
import type { OpenLot, PnlEntryDraft, ReplayedLot, TradeInput, TradeOutcome } from './types';

/** What the books hold for one account+symbol before a run of trades. */
export interface BookSnapshot {
  /** Open quantity of the whole position: every open lot, loaded or not. */
  openQty: string;
  /** Σ remainingQty × price over every open lot. */
  openCost: string;
  /**
   * The oldest open lots in FIFO order: a prefix of the position's open lots, enough to cover what the
   * trades will consume. Lots beyond the prefix are never needed as long as the prefix covers the sells.
   */
  lots: readonly OpenLot[];
}

export interface InOrderSettlement {
  kind: 'settled';
  /** One per trade, in the order given. */
  outcomes: TradeOutcome[];
  /** Lots opened by the run's buys (key = trade id), with what is left of them after the run's sells. */
  openedLots: ReplayedLot[];
  /** Lots of the snapshot the run reduced, with their remaining quantity after it. */
  reducedLots: { key: string; remainingQty: string }[];
  /** P&L entries in the order they were produced. */
  entries: PnlEntryDraft[];
  openQty: string;
  openCost: string;
  /** Σ realizedPnl of the run's entries: what the run adds to the position's realized P&L. */
  realizedPnl: string;
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

/**
 * Applies trades that all come after everything already in the book, in the order given: the same
 * outcomes as matchTrade trade by trade, computed once for the whole run so the caller can write the
 * result with a few set-based statements. Answers 'needsMoreLots' when a sell reaches past the loaded
 * prefix; throws LotEngineInputError for malformed input or a snapshot that contradicts itself.
 */
export function settleInOrder(
  book: BookSnapshot,
  trades: readonly TradeInput[],
): InOrderSettlement | LotsNeeded {
  if (book === null || typeof book !== 'object') throw new LotEngineInputError('book', 'must be an object');
  if (!Array.isArray(trades)) throw new LotEngineInputError('trades', 'must be an array');
  let open = requireDecimal(book.openQty, 'book.openQty', 'nonNegative');
  let cost = requireDecimal(book.openCost, 'book.openCost', 'nonNegative');
  let realized = ZERO;
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
  let prefixRemaining = loaded;
  const outcomes: TradeOutcome[] = [];
  const entries: PnlEntryDraft[] = [];
  const reduced = new Set<number>();
  const seen = new Set<string>(lots.map((lot) => lot.key));
  let head = 0;

  for (const [index, trade] of trades.entries()) {
    const valid = validateTrade(trade, `trades[${index}]`);
    if (seen.has(valid.id))
      throw new LotEngineInputError(`trades[${index}].id`, `duplicates id "${valid.id}"`);
    seen.add(valid.id);
    if (valid.qty.gt(0)) {
      lots.push({ key: valid.id, price: valid.price, qty: valid.qty, remaining: valid.qty, opened: true });
      open = open.plus(valid.qty);
      cost = cost.plus(valid.qty.times(valid.price));
      outcomes.push({ tradeId: valid.id, status: 'APPLIED' });
      continue;
    }
    const sellQty = valid.qty.neg();
    if (sellQty.gt(open)) {
      outcomes.push({ tradeId: valid.id, status: 'REJECTED', reason: insufficientReason(open, sellQty) });
      continue;
    }
    if (unloaded.gt(0) && sellQty.gt(prefixRemaining)) return { kind: 'needsMoreLots', tradeId: valid.id };
    for (const allocation of allocateFifo(lots, head, sellQty, valid.price, valid.id)) {
      const lot = lots[allocation.lotIndex];
      if (!lot) continue;
      const matched = lot.remaining.minus(allocation.remainingAfter);
      if (!lot.opened) {
        reduced.add(allocation.lotIndex);
        prefixRemaining = prefixRemaining.minus(matched);
      }
      cost = cost.minus(lot.price.times(matched));
      realized = realized.plus(valid.price.minus(lot.price).times(matched));
      lot.remaining = allocation.remainingAfter;
      entries.push(allocation.entry);
    }
    open = open.minus(sellQty);
    while (head < lots.length && lots[head]?.remaining.isZero()) head++;
    outcomes.push({ tradeId: valid.id, status: 'APPLIED' });
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
  };
}
