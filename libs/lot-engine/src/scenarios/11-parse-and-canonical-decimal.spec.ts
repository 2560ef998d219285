import { canonicalDecimal, LotEngineInputError, parseDecimal } from '../index';

const NOT_PLAIN =
  "must be a plain decimal number such as 12.5 or -0.25 (digits, optional leading '-', optional fractional part; no exponent)";
const TOO_MANY_FRACTION_DIGITS = 'must be a decimal with at most 18 fractional digits';
const TOO_MANY_INTEGER_DIGITS = 'must be a decimal with at most 20 integer digits';

describe('scenario 11: parseDecimal and canonicalDecimal', () => {
  describe('parseDecimal accepts and canonicalises', () => {
    it.each<[string | number, string]>([
      ['0', '0'],
      ['-0', '0'],
      ['-0.000', '0'],
      ['20', '20'],
      ['20.000', '20'],
      ['0.30', '0.3'],
      ['007.50', '7.5'],
      ['-12.50', '-12.5'],
      ['  42.1 ', '42.1'],
      ['\t1600\n', '1600'],
      ['0.000000000000000001', '0.000000000000000001'],
      ['1.1000000000000000000000', '1.1'],
      ['99999999999999999999.999999999999999999', '99999999999999999999.999999999999999999'],
      [150, '150'],
      [0.1, '0.1'],
      [-12.5, '-12.5'],
      [-0, '0'],
      [1e-7, '0.0000001'],
      [1e19, '10000000000000000000'],
      [123456789.123456, '123456789.123456'],
    ])('%p -> %p', (input, expected) => {
      expect(parseDecimal(input)).toEqual({ ok: true, value: expected });
    });
  });

  describe('parseDecimal rejects with a readable reason', () => {
    it.each<[string | number, string]>([
      ['', 'must not be empty'],
      [' ', 'must not be empty'],
      ['NaN', NOT_PLAIN],
      ['Infinity', NOT_PLAIN],
      ['-Infinity', NOT_PLAIN],
      ['0x10', NOT_PLAIN],
      ['1.', NOT_PLAIN],
      ['.5', NOT_PLAIN],
      ['-.5', NOT_PLAIN],
      ['+5', NOT_PLAIN],
      ['1e3', NOT_PLAIN],
      ['1e-19', NOT_PLAIN],
      ['1,000', NOT_PLAIN],
      ['1 000', NOT_PLAIN],
      ['12abc', NOT_PLAIN],
      ['--1', NOT_PLAIN],
      ['0.0000000000000000001', TOO_MANY_FRACTION_DIGITS],
      ['1.1234567890123456789', TOO_MANY_FRACTION_DIGITS],
      ['100000000000000000000', TOO_MANY_INTEGER_DIGITS],
      [Number.NaN, 'must be a finite number'],
      [Number.POSITIVE_INFINITY, 'must be a finite number'],
      [Number.NEGATIVE_INFINITY, 'must be a finite number'],
      [1e21, TOO_MANY_INTEGER_DIGITS],
      [1e-19, TOO_MANY_FRACTION_DIGITS],
      [0.1 + 0.2, 'must be sent as a string: numbers with more than 15 significant digits are not exact'],
      [2 ** 53 + 2, 'must be sent as a string: numbers with more than 15 significant digits are not exact'],
    ])('%p -> %p', (input, reason) => {
      expect(parseDecimal(input)).toEqual({ ok: false, reason });
    });

    it('rejects non-string, non-number values at runtime', () => {
      expect(parseDecimal(null as unknown as string)).toEqual({
        ok: false,
        reason: 'must be a decimal string or number',
      });
    });
  });

  describe('parseDecimal options', () => {
    it.each<[string, Parameters<typeof parseDecimal>[1], { ok: boolean; value?: string; reason?: string }]>([
      ['0', { sign: 'positive' }, { ok: false, reason: 'must be greater than 0' }],
      ['-1', { sign: 'positive' }, { ok: false, reason: 'must be greater than 0' }],
      ['0.01', { sign: 'positive' }, { ok: true, value: '0.01' }],
      ['-0', { sign: 'nonZero' }, { ok: false, reason: 'must not be 0' }],
      ['-3', { sign: 'nonZero' }, { ok: true, value: '-3' }],
      ['-0.1', { sign: 'nonNegative' }, { ok: false, reason: 'must not be negative' }],
      ['-0', { sign: 'nonNegative' }, { ok: true, value: '0' }],
      [
        '1.234',
        { maxFractionDigits: 2 },
        { ok: false, reason: 'must be a decimal with at most 2 fractional digits' },
      ],
      ['1.230', { maxFractionDigits: 2 }, { ok: true, value: '1.23' }],
      [
        '12345',
        { maxIntegerDigits: 4 },
        { ok: false, reason: 'must be a decimal with at most 4 integer digits' },
      ],
      ['0.5', { maxIntegerDigits: 0 }, { ok: true, value: '0.5' }],
    ])('%p with %p', (input, opts, expected) => {
      expect(parseDecimal(input, opts)).toEqual(expected);
    });
  });

  describe('canonicalDecimal', () => {
    it.each([
      ['20', '20'],
      ['20.00', '20'],
      ['0.30', '0.3'],
      ['1600.0', '1600'],
      ['-12.50', '-12.5'],
      ['-0', '0'],
      ['-0.0', '0'],
      ['000', '0'],
      ['0.000000000000000000000000000000000001', '0.000000000000000000000000000000000001'],
      ['12345678901234567890123456789012345678901', '12345678901234567890123456789012345678901'],
    ])('%p -> %p', (input, expected) => {
      expect(canonicalDecimal(input)).toBe(expected);
    });

    it.each(['', ' 1', '1e3', '.5', '1.', 'NaN', '+1'])('throws LotEngineInputError for %p', (input) => {
      expect(() => canonicalDecimal(input)).toThrow(LotEngineInputError);
    });
  });
});
