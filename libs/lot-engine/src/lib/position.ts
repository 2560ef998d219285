import { canonicalDecimal, type Dec, LotDecimal, MAX_FRACTION_DIGITS, toCanonical } from './decimal';
import { LotEngineInputError } from './errors';
import { ZERO, validateOpenLots } from './fifo';
import type { OpenLot, PositionSummary } from './types';

const AVERAGE_SCALE = new LotDecimal(10).pow(MAX_FRACTION_DIGITS);

/**
 * cost / qty rounded HALF_EVEN to 18 fractional digits, computed from an exact integer quotient
 * and remainder so the result never depends on the working precision (no double rounding).
 */
function averageHalfEven(cost: Dec, qty: Dec): Dec {
  const scaled = cost.times(AVERAGE_SCALE);
  let quotient = scaled.divToInt(qty);
  const twiceRemainder = scaled.minus(quotient.times(qty)).times(2);
  const direction = twiceRemainder.cmp(qty);
  if (direction > 0 || (direction === 0 && quotient.mod(2).eq(1))) quotient = quotient.plus(1);
  return quotient.div(AVERAGE_SCALE);
}

/** Aggregates open lots (cost and quantity are non-negative, so no sign handling is needed). */
export function summarizePosition(openLots: readonly OpenLot[]): PositionSummary {
  const lots = validateOpenLots(openLots);
  let quantity = ZERO;
  let costBasis = ZERO;
  for (const lot of lots) {
    quantity = quantity.plus(lot.remaining);
    costBasis = costBasis.plus(lot.remaining.times(lot.price));
  }
  const averageCost = quantity.isZero() ? ZERO : averageHalfEven(costBasis, quantity);
  return {
    quantity: toCanonical(quantity),
    costBasis: toCanonical(costBasis),
    averageCost: toCanonical(averageCost),
  };
}

/**
 * A position's average cost from the totals a store keeps (Σ remaining × price and Σ remaining), with the
 * same rounding as summarizePosition. No digit limits: a cost basis may carry 36 fractional digits.
 */
export function averageCost(costBasis: string, quantity: string): string {
  const cost = new LotDecimal(canonicalDecimal(costBasis));
  const qty = new LotDecimal(canonicalDecimal(quantity));
  if (cost.isNegative()) throw new LotEngineInputError('costBasis', 'must not be negative');
  if (qty.isNegative()) throw new LotEngineInputError('quantity', 'must not be negative');
  return toCanonical(qty.isZero() ? ZERO : averageHalfEven(cost, qty));
}
