import { DECIMAL_LIMITS } from '@lotwise/contracts';

/**
 * Exact arithmetic and locale formatting for the api's decimal STRINGS ("1234.5", "-0.25", ...).
 * Nothing here converts to a JS number, so no digit is ever rounded away.
 */

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

interface Parts {
  readonly negative: boolean;
  /** Without leading zeros ("0" when there is no integer part). */
  readonly integer: string;
  /** Without trailing zeros ("" for whole numbers). */
  readonly fraction: string;
}

function split(value: string): Parts | null {
  const match = PLAIN_DECIMAL.exec(value.trim());
  if (!match) return null;
  const integer = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = integer === '0' && fraction === '';
  return { negative: match[1] === '-' && !zero, integer, fraction };
}

/** True for a plain decimal such as "12", "-0.5" or "150.25" (no exponent, no grouping). */
export function isPlainDecimal(value: string): boolean {
  return split(value) !== null;
}

export function isNegativeDecimal(value: string): boolean {
  return split(value)?.negative ?? false;
}

/** "-80" → "80"; leaves anything that is not a plain decimal unchanged. */
export function absDecimal(value: string): string {
  const parts = split(value);
  return parts ? join({ ...parts, negative: false }) : value;
}

/** "80" → "-80", "-80" → "80", "0" → "0". */
export function negateDecimal(value: string): string {
  const parts = split(value);
  if (!parts) return value;
  const zero = parts.integer === '0' && parts.fraction === '';
  return join({ ...parts, negative: !parts.negative && !zero });
}

function join(parts: Parts): string {
  const body = parts.fraction === '' ? parts.integer : `${parts.integer}.${parts.fraction}`;
  return parts.negative ? `-${body}` : body;
}

/** Compares two decimal strings exactly: negative when a < b, 0 when equal, positive when a > b. */
export function compareDecimal(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.integer.length !== y.integer.length) return sign * (x.integer.length - y.integer.length);
  if (x.integer !== y.integer) return sign * (x.integer < y.integer ? -1 : 1);
  const width = Math.max(x.fraction.length, y.fraction.length);
  const fx = x.fraction.padEnd(width, '0');
  const fy = y.fraction.padEnd(width, '0');
  return fx === fy ? 0 : sign * (fx < fy ? -1 : 1);
}

function toScaled(parts: Parts, scale: number): bigint {
  const digits = BigInt(parts.integer + parts.fraction.padEnd(scale, '0'));
  return parts.negative ? -digits : digits;
}

function fromScaled(value: bigint, scale: number): string {
  const negative = value < BigInt(0);
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return join({ negative: negative, integer, fraction });
}

/** Exact a + b of two decimal strings. Throws on input that is not a plain decimal. */
export function addDecimal(a: string, b: string): string {
  const x = split(a);
  const y = split(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.fraction.length, y.fraction.length);
  return fromScaled(toScaled(x, scale) + toScaled(y, scale), scale);
}

/** Exact a × b of two decimal strings (the scale of the result is the sum of the scales). */
export function multiplyDecimal(a: string, b: string): string {
  const x = split(a);
  const y = split(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  return fromScaled(
    toScaled(x, x.fraction.length) * toScaled(y, y.fraction.length),
    x.fraction.length + y.fraction.length,
  );
}

// ------------------------------------------------------------------ locale formatting

export interface DecimalFormatOptions {
  /** Pads with zeros up to this many fractional digits (never removes digits). Default 0. */
  readonly minFractionDigits?: number;
  /** Prefix positive values with the locale's plus sign (for P&L). Default false. */
  readonly signed?: boolean;
}

interface LocaleSymbols {
  readonly integerFormat: Intl.NumberFormat;
  readonly decimal: string;
  readonly digits: readonly string[];
  readonly negativeTemplate: readonly Intl.NumberFormatPart[];
  readonly positiveTemplate: readonly Intl.NumberFormatPart[];
  readonly signedTemplate: readonly Intl.NumberFormatPart[];
}

const symbolsCache = new Map<string, LocaleSymbols>();

function localeSymbols(locale: string): LocaleSymbols {
  let symbols = symbolsCache.get(locale);
  if (!symbols) {
    const integerFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const decimal =
      new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal')?.value ?? '.';
    const digitFormat = new Intl.NumberFormat(locale, { useGrouping: false });
    symbols = {
      integerFormat,
      decimal,
      // The locale's own digits (e.g. Arabic-Indic), so fractional digits match the grouped integer part.
      digits: Array.from({ length: 10 }, (_, digit) => digitFormat.format(digit)),
      negativeTemplate: integerFormat.formatToParts(-1),
      positiveTemplate: integerFormat.formatToParts(1),
      signedTemplate: new Intl.NumberFormat(locale, {
        maximumFractionDigits: 0,
        signDisplay: 'always',
      }).formatToParts(1),
    };
    symbolsCache.set(locale, symbols);
  }
  return symbols;
}

/**
 * Formats a decimal STRING for display in `locale` without rounding: the integer part is grouped with the
 * locale's separators (via `Intl.NumberFormat` on a BigInt, so any length stays exact), every fractional
 * digit is kept and joined with the locale's decimal separator, and the sign goes where the locale puts it.
 *
 * formatDecimal('1234567.123456789012345678', 'en-US') → '1,234,567.123456789012345678'
 * formatDecimal('1234567.123456789012345678', 'de-DE') → '1.234.567,123456789012345678'
 *
 * A value that is not a plain decimal is returned unchanged, so bad data is shown rather than hidden.
 */
export function formatDecimal(value: string, locale: string, options: DecimalFormatOptions = {}): string {
  const parts = split(value);
  if (!parts) return value;
  const symbols = localeSymbols(locale);
  const fraction = parts.fraction.padEnd(options.minFractionDigits ?? 0, '0');
  const integer = symbols.integerFormat.format(BigInt(parts.integer));
  const localFraction = Array.from(fraction, (digit) => symbols.digits[Number(digit)]).join('');
  const number = fraction === '' ? integer : `${integer}${symbols.decimal}${localFraction}`;
  const zero = parts.integer === '0' && parts.fraction === '';
  const template = parts.negative
    ? symbols.negativeTemplate
    : options.signed && !zero
      ? symbols.signedTemplate
      : symbols.positiveTemplate;
  return template.map((part) => (part.type === 'integer' ? number : part.value)).join('');
}

/** The decimal separator the user's locale uses ("." or ","), for hints and input normalisation. */
export function decimalSeparator(locale: string): string {
  return localeSymbols(locale).decimal;
}

// ------------------------------------------------------------------ input validation

export type DecimalInputError =
  | { readonly kind: 'format' }
  | { readonly kind: 'fractionDigits'; readonly max: number }
  | { readonly kind: 'integerDigits'; readonly max: number }
  | { readonly kind: 'notPositive' };

/**
 * Turns what a user typed into the plain decimal string the api expects, accepting the locale's decimal
 * comma as well as a dot. Returns null when the text is not a plain unsigned decimal (no grouping, no sign).
 */
export function normalizeDecimalInput(text: string, locale: string): string | null {
  let candidate = text.trim();
  if (decimalSeparator(locale) === ',' && !candidate.includes('.')) {
    candidate = candidate.replace(',', '.');
  }
  if (candidate.startsWith('.')) candidate = `0${candidate}`;
  return /^\d+(?:\.\d+)?$/.test(candidate) ? candidate : null;
}

/** Mirrors the api's rules for a positive decimal (qty magnitude, price): > 0, ≤ 18 fractional, ≤ 20 integer digits. */
export function checkPositiveDecimal(normalized: string): DecimalInputError | null {
  const parts = split(normalized);
  if (!parts || parts.negative) return { kind: 'format' };
  // Like the api, trailing fractional zeros do not count ("1.50" has one fractional digit).
  if (parts.fraction.length > DECIMAL_LIMITS.maxFractionDigits) {
    return { kind: 'fractionDigits', max: DECIMAL_LIMITS.maxFractionDigits };
  }
  const integerDigits = parts.integer === '0' ? 0 : parts.integer.length;
  if (integerDigits > DECIMAL_LIMITS.maxIntegerDigits) {
    return { kind: 'integerDigits', max: DECIMAL_LIMITS.maxIntegerDigits };
  }
  if (parts.integer === '0' && parts.fraction === '') return { kind: 'notPositive' };
  return null;
}
