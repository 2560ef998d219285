import fc from 'fast-check';
import { averageCost, summarizePosition } from './position';
import type { OpenLot } from './types';

/** Decimal text of 0-20 integer and 0-18 fractional digits, as the api accepts them. */
const decimal = (positive: boolean) =>
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }))
    .chain(([integer, fraction]) =>
      fc.integer({ min: 0, max: 18 }).map((digits) => {
        const fractionText =
          digits === 0 ? '' : String(fraction % 10n ** BigInt(digits)).padStart(digits, '0');
        return fractionText === '' ? String(integer) : `${integer}.${fractionText}`;
      }),
    )
    .filter((text) => !positive || /[1-9]/.test(text));

const openLot = fc
  .tuple(decimal(true), decimal(true))
  .map(([remainingQty, price]): Omit<OpenLot, 'key'> => ({ qty: remainingQty, remainingQty, price }));

describe('averageCost', () => {
  it('is the seed position: 11000 over 70', () => {
    expect(averageCost('11000', '70')).toBe('157.142857142857142857');
  });

  it.each([
    // 5e-18 / 2 = 2.5e-18, a tie: to the even 2e-18
    ['0.000000000000000005', '2', '0.000000000000000002'],
    // 7e-18 / 2 = 3.5e-18, a tie: to the even 4e-18
    ['0.000000000000000007', '2', '0.000000000000000004'],
    // 2 / 3 = 0.666…: rounds up
    ['2', '3', '0.666666666666666667'],
    // 1 / 3 = 0.333…: rounds down
    ['1', '3', '0.333333333333333333'],
  ])('rounds %s / %s half-even to 18 digits: %s', (cost, qty, expected) => {
    expect(averageCost(cost, qty)).toBe(expected);
  });

  it("reads PostgreSQL's NUMERIC text, trailing zeros included, and answers canonical decimals", () => {
    expect(averageCost('3005.000000', '20.000')).toBe('150.25');
    expect(averageCost('0.000', '0.000')).toBe('0');
  });

  it('keeps a cost of 36 fractional and 40 integer digits exact', () => {
    const cost = '1234567890123456789012345678901234567890.123456789012345678901234567890123456';
    expect(averageCost(cost, '1')).toBe('1234567890123456789012345678901234567890.123456789012345679');
  });

  it('refuses anything but a non-negative plain decimal', () => {
    expect(() => averageCost('-1', '1')).toThrow('costBasis must not be negative');
    expect(() => averageCost('1', '-0.5')).toThrow('quantity must not be negative');
    expect(() => averageCost('1', '1e3')).toThrow('must be a plain decimal number');
  });

  it("agrees with the lot engine's summarizePosition on random open lots", () => {
    fc.assert(
      fc.property(fc.array(openLot, { minLength: 1, maxLength: 6 }), (lots) => {
        const summary = summarizePosition(lots.map((lot, index) => ({ key: String(index), ...lot })));
        expect(averageCost(summary.costBasis, summary.quantity)).toBe(summary.averageCost);
      }),
      { numRuns: 2000 },
    );
  });
});
