import { LotEngineInputError } from './errors';
import { LotDecimal, NOT_PLAIN_REASON, requireDecimal, toCanonical } from './decimal';

describe('LotDecimal configuration', () => {
  it('never switches to exponent notation', () => {
    expect(new LotDecimal('0.000000000000000000000000000001').toString()).toBe(
      '0.000000000000000000000000000001',
    );
    expect(new LotDecimal('1000000000000000000000000000000').toString()).toBe(
      '1000000000000000000000000000000',
    );
  });

  it('multiplies 38-digit operands exactly', () => {
    const max = new LotDecimal('99999999999999999999.999999999999999999');
    expect(toCanonical(max.times(max))).toBe(
      '9999999999999999999999999999999999999800.000000000000000000000000000000000001',
    );
  });
});

describe('toCanonical', () => {
  it.each([
    [new LotDecimal('-0'), '0'],
    [new LotDecimal('5').minus('5'), '0'],
    [new LotDecimal('-0.5').plus('0.5'), '0'],
    [new LotDecimal('0.1').plus('0.2'), '0.3'],
    [new LotDecimal('2.50').times(4), '10'],
    [new LotDecimal('-12.5'), '-12.5'],
  ])('%s -> %p', (value, expected) => {
    expect(toCanonical(value)).toBe(expected);
  });
});

describe('requireDecimal', () => {
  it('returns the exact value for valid input', () => {
    expect(toCanonical(requireDecimal('0010.500', 'x', 'any'))).toBe('10.5');
  });

  it.each<[unknown, Parameters<typeof requireDecimal>[2], string]>([
    [5, 'any', 'x must be a decimal string'],
    [null, 'any', 'x must be a decimal string'],
    [' 5', 'any', `x ${NOT_PLAIN_REASON}`],
    ['5e2', 'any', `x ${NOT_PLAIN_REASON}`],
    ['1.0000000000000000001', 'any', 'x must be a decimal with at most 18 fractional digits'],
    ['0', 'positive', 'x must be greater than 0'],
    ['-0', 'nonZero', 'x must not be 0'],
    ['-1', 'nonNegative', 'x must not be negative'],
  ])('rejects %p (%s) as a programmer error', (value, sign, message) => {
    let thrown: unknown;
    try {
      requireDecimal(value, 'x', sign);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LotEngineInputError);
    expect((thrown as LotEngineInputError).message).toBe(message);
    expect((thrown as LotEngineInputError).field).toBe('x');
  });
});
