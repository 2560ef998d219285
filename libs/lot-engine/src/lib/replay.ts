import type { Dec } from './decimal';
import { toCanonical } from './decimal';
import { LotEngineInputError } from './errors';
import { ZERO, allocateFifo, insufficientReason, validateTrade } from './fifo';
import type { PnlEntryDraft, ReplayResult, TradeInput, TradeOutcome } from './types';

interface ReplayLot {
  readonly key: string;
  readonly qty: Dec;
  readonly price: Dec;
  remaining: Dec;
}

/**
 * Rebuilds one account+symbol's books from its full trade history (already in execution order).
 * Equivalent to applying matchTrade trade by trade, but linear: closed lots at the head are skipped
 * via a cursor instead of being re-validated on every trade.
 */
export function replayTrades(trades: readonly TradeInput[]): ReplayResult {
  if (!Array.isArray(trades)) throw new LotEngineInputError('trades', 'must be an array');
  const lots: ReplayLot[] = [];
  const entries: PnlEntryDraft[] = [];
  const outcomes: TradeOutcome[] = [];
  const seenIds = new Set<string>();
  let head = 0;
  let open = ZERO;

  trades.forEach((trade: TradeInput, index) => {
    const valid = validateTrade(trade, `trades[${index}]`);
    // A repeated id would become a duplicate lot key or an ambiguous P&L reference.
    if (seenIds.has(valid.id))
      throw new LotEngineInputError(`trades[${index}].id`, `duplicates id "${valid.id}"`);
    seenIds.add(valid.id);

    if (valid.qty.gt(0)) {
      lots.push({ key: valid.id, qty: valid.qty, price: valid.price, remaining: valid.qty });
      open = open.plus(valid.qty);
      outcomes.push({ tradeId: valid.id, status: 'APPLIED' });
      return;
    }

    const sellQty = valid.qty.neg();
    if (sellQty.gt(open)) {
      outcomes.push({ tradeId: valid.id, status: 'REJECTED', reason: insufficientReason(open, sellQty) });
      return;
    }
    for (const allocation of allocateFifo(lots, head, sellQty, valid.price, valid.id)) {
      const lot = lots[allocation.lotIndex];
      if (lot) lot.remaining = allocation.remainingAfter;
      entries.push(allocation.entry);
    }
    open = open.minus(sellQty);
    while (head < lots.length && lots[head]?.remaining.isZero()) head++;
    outcomes.push({ tradeId: valid.id, status: 'APPLIED' });
  });

  return {
    lots: lots.map((lot) => ({
      key: lot.key,
      tradeId: lot.key,
      qty: toCanonical(lot.qty),
      remainingQty: toCanonical(lot.remaining),
      price: toCanonical(lot.price),
    })),
    entries,
    outcomes,
  };
}
