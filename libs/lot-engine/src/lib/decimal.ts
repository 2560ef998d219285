import { Decimal } from 'decimal.js';
import { LotEngineInputError } from './errors';

/**
 * The only Decimal constructor the engine uses. 200 significant digits keep every sum and
 * product of inputs within the accepted limits (20 integer + 18 fractional digits) exact, and
 * the extreme exponent thresholds stop `toString()` from ever switching to exponent notation.
 */
export const LotDecimal = Decimal.clone({
  precision: 200,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

export type Dec = Decimal;

export const MAX_FRACTION_DIGITS = 18;
export const MAX_INTEGER_DIGITS = 20;
/** Every decimal with at most 15 significant digits survives a round trip through an IEEE double. */
const MAX_EXACT_NUMBER_DIGITS = 15;

export type DecimalSign = 'any' | 'positive' | 'nonZero' | 'nonNegative';

export interface ParseDecimalOptions {
  /** Default 18. */
  maxFractionDigits?: number;
  /** Default 20. */
  maxIntegerDigits?: number;
  /** Default 'any'. */
  sign?: DecimalSign;
}

export type ParseDecimalResult = { ok: true; value: string } | { ok: false; reason: string };

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const NUMBER_EXPONENT_FORM = /^-?\d+(?:\.\d+)?e[+-]\d+$/;

export const NOT_PLAIN_REASON =
  "must be a plain decimal number such as 12.5 or -0.25 (digits, optional leading '-', optional fractional part; no exponent)";

interface DecimalParts {
  negative: boolean;
  /** Without leading zeros; "0" when there is no integer part. */
  integer: string;
  /** Without trailing zeros; "" when the value is an integer. */
  fraction: string;
}

function splitPlain(text: string): DecimalParts | undefined {
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return undefined;
  const integer = (match[2] ?? '').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const isZero = integer === '0' && fraction === '';
  return { negative: match[1] === '-' && !isZero, integer, fraction };
}

function joinParts(parts: DecimalParts): string {
  const sign = parts.negative ? '-' : '';
  return parts.fraction === '' ? `${sign}${parts.integer}` : `${sign}${parts.integer}.${parts.fraction}`;
}

function isZeroParts(parts: DecimalParts): boolean {
  return parts.integer === '0' && parts.fraction === '';
}

function limitViolation(parts: DecimalParts, opts: ParseDecimalOptions): string | undefined {
  const maxFraction = opts.maxFractionDigits ?? MAX_FRACTION_DIGITS;
  const maxInteger = opts.maxIntegerDigits ?? MAX_INTEGER_DIGITS;
  if (parts.fraction.length > maxFraction) {
    return `must be a decimal with at most ${maxFraction} fractional digits`;
  }
  const integerDigits = parts.integer === '0' ? 0 : parts.integer.length;
  if (integerDigits > maxInteger) {
    return `must be a decimal with at most ${maxInteger} integer digits`;
  }
  switch (opts.sign ?? 'any') {
    case 'positive':
      return parts.negative || isZeroParts(parts) ? 'must be greater than 0' : undefined;
    case 'nonZero':
      return isZeroParts(parts) ? 'must not be 0' : undefined;
    case 'nonNegative':
      return parts.negative ? 'must not be negative' : undefined;
    case 'any':
      return undefined;
  }
}

function numberToParts(input: number): DecimalParts | string {
  if (!Number.isFinite(input)) return 'must be a finite number';
  // String(n) is the shortest literal that round-trips, i.e. what the sender most likely wrote.
  const text = String(input);
  let parts = splitPlain(text);
  if (!parts && NUMBER_EXPONENT_FORM.test(text)) {
    parts = splitPlain(new LotDecimal(text).toFixed());
  }
  if (!parts) return NOT_PLAIN_REASON;
  const significant = `${parts.integer}${parts.fraction}`.replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > MAX_EXACT_NUMBER_DIGITS) {
    return `must be sent as a string: numbers with more than ${MAX_EXACT_NUMBER_DIGITS} significant digits are not exact`;
  }
  return parts;
}

/**
 * Validates untrusted input and returns its canonical string.
 * Strings are trimmed and must then match /^-?\d+(\.\d+)?$/ (so '.5', '1.', '+1', '1e3' are rejected).
 * Numbers go through String(n); an exponent form is accepted when the exact value fits the limits.
 */
export function parseDecimal(input: string | number, opts: ParseDecimalOptions = {}): ParseDecimalResult {
  let parts: DecimalParts | string | undefined;
  if (typeof input === 'number') {
    parts = numberToParts(input);
  } else if (typeof input === 'string') {
    const trimmed = input.trim();
    parts = trimmed === '' ? 'must not be empty' : (splitPlain(trimmed) ?? NOT_PLAIN_REASON);
  } else {
    parts = 'must be a decimal string or number';
  }
  if (typeof parts === 'string') return { ok: false, reason: parts };
  const violation = limitViolation(parts, opts);
  return violation === undefined ? { ok: true, value: joinParts(parts) } : { ok: false, reason: violation };
}

/**
 * Canonical form of a plain decimal literal: no exponent, no leading or trailing zeros, no
 * trailing dot, "-0" becomes "0". No digit limits apply (products may carry 36 fractional digits).
 * Throws LotEngineInputError for anything that is not a plain decimal literal.
 */
export function canonicalDecimal(value: string): string {
  const parts = typeof value === 'string' ? splitPlain(value) : undefined;
  if (!parts) throw new LotEngineInputError('value', NOT_PLAIN_REASON);
  return joinParts(parts);
}

/** Strict engine-side check: no trimming, no numbers; violations are programmer errors. */
export function requireDecimal(value: unknown, field: string, sign: DecimalSign): Dec {
  if (typeof value !== 'string') throw new LotEngineInputError(field, 'must be a decimal string');
  const parts = splitPlain(value);
  if (!parts) throw new LotEngineInputError(field, NOT_PLAIN_REASON);
  const violation = limitViolation(parts, { sign });
  if (violation !== undefined) throw new LotEngineInputError(field, violation);
  return new LotDecimal(joinParts(parts));
}

export function toCanonical(value: Dec): string {
  // toFixed() without arguments never rounds and never uses exponent notation; zero check drops "-0".
  return value.isZero() ? '0' : value.toFixed();
}
