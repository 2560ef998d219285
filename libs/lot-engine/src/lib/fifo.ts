import { type Dec, LotDecimal, requireDecimal, toCanonical } from './decimal';
import { LotEngineInputError } from './errors';
import type { LotReduction, OpenLot, PnlEntryDraft, TradeInput } from './types';

export interface LotState {
  readonly key: string;
  readonly price: Dec;
  readonly remaining: Dec;
}

export interface ValidTrade {
  readonly id: string;
  readonly qty: Dec;
  readonly price: Dec;
}

export const ZERO: Dec = new LotDecimal(0);

export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new LotEngineInputError(field, 'must be a non-empty string');
  return value;
}

export function validateTrade(trade: TradeInput, field = 'trade'): ValidTrade {
  if (trade === null || typeof trade !== 'object') throw new LotEngineInputError(field, 'must be an object');
  return {
    id: requireId(trade.id, `${field}.id`),
    qty: requireDecimal(trade.qty, `${field}.qty`, 'nonZero'),
    price: requireDecimal(trade.price, `${field}.price`, 'positive'),
  };
}

/** Validates caller-supplied open lots; lots already at zero are skipped rather than rejected. */
export function validateOpenLots(openLots: readonly OpenLot[]): LotState[] {
  if (!Array.isArray(openLots)) throw new LotEngineInputError('openLots', 'must be an array');
  const seen = new Set<string>();
  const lots: LotState[] = [];
  openLots.forEach((lot: OpenLot, index) => {
    const field = `openLots[${index}]`;
    if (lot === null || typeof lot !== 'object') throw new LotEngineInputError(field, 'must be an object');
    const key = requireId(lot.key, `${field}.key`);
    // Duplicate keys would make reductions ambiguous for the caller.
    if (seen.has(key)) throw new LotEngineInputError(`${field}.key`, `duplicates key "${key}"`);
    seen.add(key);
    const qty = requireDecimal(lot.qty, `${field}.qty`, 'positive');
    const remaining = requireDecimal(lot.remainingQty, `${field}.remainingQty`, 'nonNegative');
    const price = requireDecimal(lot.price, `${field}.price`, 'positive');
    if (remaining.gt(qty)) {
      throw new LotEngineInputError(`${field}.remainingQty`, `must not exceed qty (${toCanonical(qty)})`);
    }
    if (!remaining.isZero()) lots.push({ key, price, remaining });
  });
  return lots;
}

export function insufficientReason(open: Dec, sellQty: Dec): string {
  return `insufficient quantity: open ${toCanonical(open)}, sell ${toCanonical(sellQty)}`;
}

export interface Allocation {
  readonly lotIndex: number;
  readonly reduction: LotReduction;
  readonly entry: PnlEntryDraft;
  readonly remainingAfter: Dec;
}

/**
 * Consumes lots oldest-first starting at `from`. The caller must already have checked that the
 * lots hold at least `sellQty`; only lots actually touched are returned.
 */
export function allocateFifo(
  lots: readonly LotState[],
  from: number,
  sellQty: Dec,
  sellPrice: Dec,
  sellTradeId: string,
): Allocation[] {
  const allocations: Allocation[] = [];
  const sellPriceText = toCanonical(sellPrice);
  let left = sellQty;
  for (let index = from; index < lots.length && left.gt(0); index++) {
    const lot = lots[index];
    if (lot === undefined || lot.remaining.isZero()) continue;
    const matched = LotDecimal.min(lot.remaining, left);
    const remainingAfter = lot.remaining.minus(matched);
    left = left.minus(matched);
    const matchedText = toCanonical(matched);
    allocations.push({
      lotIndex: index,
      remainingAfter,
      reduction: { key: lot.key, matchedQty: matchedText, remainingQtyAfter: toCanonical(remainingAfter) },
      entry: {
        lotKey: lot.key,
        sellTradeId,
        qty: matchedText,
        buyPrice: toCanonical(lot.price),
        sellPrice: sellPriceText,
        realizedPnl: toCanonical(sellPrice.minus(lot.price).times(matched)),
      },
    });
  }
  return allocations;
}
