/**
 * Thrown for inputs that can only come from a bug upstream (malformed decimals, broken lot
 * invariants, duplicate ids). Business outcomes such as an oversell are never thrown: they are
 * returned as `{ kind: 'rejected' }` so callers can record them.
 */
export class LotEngineInputError extends Error {
  override readonly name = 'LotEngineInputError';

  constructor(
    /** Path of the offending input, e.g. `trade.qty` or `openLots[2].remainingQty`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}
