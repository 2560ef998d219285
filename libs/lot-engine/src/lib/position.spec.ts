import { LotEngineInputError } from './errors';
import { summarizePosition } from './position';
import type { OpenLot } from './types';

const lot = (key: string, remainingQty: string, price: string, qty = remainingQty): OpenLot => ({
  key,
  qty,
  remainingQty,
  price,
});

describe('summarizePosition', () => {
  it('summarises the seed position after the first sell', () => {
    expect(summarizePosition([lot('1', '20', '150', '100'), lot('2', '50', '160')])).toEqual({
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
    });
  });

  it('returns zeros for no lots and skips lots already at zero', () => {
    expect(summarizePosition([])).toEqual({ quantity: '0', costBasis: '0', averageCost: '0' });
    expect(summarizePosition([lot('a', '0', '5', '1')])).toEqual({
      quantity: '0',
      costBasis: '0',
      averageCost: '0',
    });
  });

  it('keeps the cost basis exact beyond 18 fractional digits', () => {
    expect(summarizePosition([lot('a', '0.000000000000000001', '0.5')])).toEqual({
      quantity: '0.000000000000000001',
      costBasis: '0.0000000000000000005',
      averageCost: '0.5',
    });
  });

  it.each([
    // cost 3e-18 over 2 = 1.5e-18: tie, rounds to the even 2e-18
    ['0.000000000000000002', '0.000000000000000002'],
    // cost 5e-18 over 2 = 2.5e-18: tie, rounds to the even 2e-18 (HALF_UP would give 3e-18)
    ['0.000000000000000004', '0.000000000000000002'],
    // cost 6e-18 over 2 = 3e-18: exact
    ['0.000000000000000005', '0.000000000000000003'],
  ])('rounds average cost HALF_EVEN at 18 digits (second price %s)', (secondPrice, expected) => {
    const summary = summarizePosition([lot('a', '1', '0.000000000000000001'), lot('b', '1', secondPrice)]);
    expect(summary.quantity).toBe('2');
    expect(summary.averageCost).toBe(expected);
  });

  it('rounds a non-tie up', () => {
    expect(summarizePosition([lot('a', '3', '0.666666666666666667'), lot('b', '0', '9', '1')])).toEqual({
      quantity: '3',
      costBasis: '2.000000000000000001',
      averageCost: '0.666666666666666667',
    });
    expect(summarizePosition([lot('a', '1', '1'), lot('b', '2', '0.5')]).averageCost).toBe(
      '0.666666666666666667',
    );
  });

  it('rejects broken lot invariants', () => {
    expect(() => summarizePosition([lot('a', '2', '1', '1')])).toThrow(LotEngineInputError);
  });
});
