import { toCanonical } from './decimal';
import { ZERO, allocateFifo, insufficientReason, validateOpenLots, validateTrade } from './fifo';
import type { MatchOutcome, OpenLot, TradeInput } from './types';

/**
 * Applies one trade to an account+symbol's open lots (already in FIFO order). Pure: the inputs are
 * never mutated; the caller persists the returned lot, or the reductions and P&L entries.
 * Throws LotEngineInputError for malformed inputs; an oversell is a business outcome ('rejected').
 */
export function matchTrade(openLots: readonly OpenLot[], trade: TradeInput): MatchOutcome {
  const valid = validateTrade(trade);
  const lots = validateOpenLots(openLots);

  if (valid.qty.gt(0)) {
    const qty = toCanonical(valid.qty);
    return {
      kind: 'opened',
      lot: { key: valid.id, qty, remainingQty: qty, price: toCanonical(valid.price) },
    };
  }

  const sellQty = valid.qty.neg();
  const open = lots.reduce((sum, lot) => sum.plus(lot.remaining), ZERO);
  if (sellQty.gt(open)) return { kind: 'rejected', reason: insufficientReason(open, sellQty) };

  const allocations = allocateFifo(lots, 0, sellQty, valid.price, valid.id);
  return {
    kind: 'closed',
    reductions: allocations.map((a) => a.reduction),
    entries: allocations.map((a) => a.entry),
    closedQty: toCanonical(sellQty),
  };
}
