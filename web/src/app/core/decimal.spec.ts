import {
  absDecimal,
  addDecimal,
  checkPositiveDecimal,
  compareDecimal,
  formatDecimal,
  multiplyDecimal,
  negateDecimal,
  normalizeDecimalInput,
} from './decimal';

describe('formatDecimal', () => {
  it.each([
    ['1234567.123456789012345678', 'en-US', '1,234,567.123456789012345678'],
    ['1234567.123456789012345678', 'de-DE', '1.234.567,123456789012345678'],
    ['-0.5', 'en-US', '-0.5'],
    ['-0.5', 'de-DE', '-0,5'],
    ['0', 'en-US', '0'],
    ['1600', 'en-US', '1,600'],
    ['-1234.5', 'en-US', '-1,234.5'],
    ['157.142857142857142857', 'en-US', '157.142857142857142857'],
    ['99999999999999999999.999999999999999999', 'en-US', '99,999,999,999,999,999,999.999999999999999999'],
    ['1234567.25', 'en-IN', '12,34,567.25'],
  ])('%s in %s → %s', (value, locale, expected) => {
    expect(formatDecimal(value, locale)).toBe(expected);
  });

  it.each(['fr-FR', 'de-CH', 'ja-JP', 'pt-BR'])(
    'matches Intl.NumberFormat in %s where a double is exact',
    (locale) => {
      expect(formatDecimal('1234567.25', locale)).toBe(new Intl.NumberFormat(locale).format(1234567.25));
      expect(formatDecimal('-0.5', locale)).toBe(new Intl.NumberFormat(locale).format(-0.5));
    },
  );

  it('keeps every fractional digit that a JS number would round away', () => {
    expect(Number('0.1000000000000000055511')).toBe(0.1);
    expect(formatDecimal('0.100000000000000005', 'en-US')).toBe('0.100000000000000005');
    expect(formatDecimal('9007199254740993', 'en-US')).toBe('9,007,199,254,740,993');
  });

  it('pads to a minimum of fractional digits without ever removing digits', () => {
    expect(formatDecimal('150', 'en-US', { minFractionDigits: 2 })).toBe('150.00');
    expect(formatDecimal('150.5', 'de-DE', { minFractionDigits: 2 })).toBe('150,50');
    expect(formatDecimal('150.125', 'en-US', { minFractionDigits: 2 })).toBe('150.125');
  });

  it('shows a plus sign for gains when asked, never for zero', () => {
    expect(formatDecimal('1600', 'en-US', { signed: true, minFractionDigits: 2 })).toBe('+1,600.00');
    expect(formatDecimal('-25.5', 'en-US', { signed: true })).toBe('-25.5');
    expect(formatDecimal('0', 'en-US', { signed: true })).toBe('0');
  });

  it("uses the locale's digits for the fraction too", () => {
    expect(formatDecimal('1234.56', 'ar-EG')).toBe(new Intl.NumberFormat('ar-EG').format(1234.56));
  });

  it('shows text that is not a plain decimal unchanged', () => {
    expect(formatDecimal('1e5', 'en-US')).toBe('1e5');
    expect(formatDecimal('', 'en-US')).toBe('');
  });
});

describe('exact decimal helpers', () => {
  it('compares exactly, beyond double precision', () => {
    expect(compareDecimal('0.100000000000000001', '0.1')).toBeGreaterThan(0);
    expect(compareDecimal('-2', '-10')).toBeGreaterThan(0);
    expect(compareDecimal('10', '9.999999999999999999')).toBeGreaterThan(0);
    expect(compareDecimal('1.50', '1.5')).toBe(0);
    expect(compareDecimal('-0.5', '0')).toBeLessThan(0);
  });

  it('adds and multiplies exactly', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('1600', '-1600')).toBe('0');
    expect(addDecimal('-0.000000000000000001', '0')).toBe('-0.000000000000000001');
    expect(multiplyDecimal('100', '150')).toBe('15000');
    expect(multiplyDecimal('0.3', '3')).toBe('0.9');
    expect(multiplyDecimal('20', '157.142857142857142857')).toBe('3142.85714285714285714');
  });

  it('negates and takes absolute values of strings', () => {
    expect(negateDecimal('80')).toBe('-80');
    expect(negateDecimal('-80')).toBe('80');
    expect(negateDecimal('0')).toBe('0');
    expect(absDecimal('-0.25')).toBe('0.25');
  });
});

describe('decimal input', () => {
  it('accepts a decimal point everywhere and a decimal comma where the locale uses one', () => {
    expect(normalizeDecimalInput(' 150.25 ', 'en-US')).toBe('150.25');
    expect(normalizeDecimalInput('150,25', 'de-DE')).toBe('150.25');
    expect(normalizeDecimalInput('150,25', 'en-US')).toBeNull();
    expect(normalizeDecimalInput('.5', 'en-US')).toBe('0.5');
    expect(normalizeDecimalInput('-5', 'en-US')).toBeNull();
    expect(normalizeDecimalInput('1e3', 'en-US')).toBeNull();
    expect(normalizeDecimalInput('1,000.5', 'en-US')).toBeNull();
  });

  it("mirrors the api's limits", () => {
    expect(checkPositiveDecimal('0')).toEqual({ kind: 'notPositive' });
    expect(checkPositiveDecimal('0.000')).toEqual({ kind: 'notPositive' });
    expect(checkPositiveDecimal('0.000000000000000001')).toBeNull();
    expect(checkPositiveDecimal('0.0000000000000000001')).toEqual({ kind: 'fractionDigits', max: 18 });
    expect(checkPositiveDecimal('1.5000000000000000000')).toBeNull(); // trailing zeros do not count
    expect(checkPositiveDecimal('123456789012345678901')).toEqual({ kind: 'integerDigits', max: 20 });
  });
});
