/**
 * A decimal number in canonical text form: no exponent, no trailing fractional zeros, e.g. "20", "0.3", "-12.5".
 * Money and quantities always travel as strings so no JSON parser can round them.
 */
export type DecimalString = string;

/** ISO-8601 timestamp in UTC, e.g. "2026-11-25T13:16:27.000Z". */
export type IsoTimestamp = string;

/** Limits shared by the api's validation, the matcher and the database constraints. */
export const DECIMAL_LIMITS = {
  maxFractionDigits: 18,
  maxIntegerDigits: 20,
} as const;
