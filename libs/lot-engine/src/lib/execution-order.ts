import { LotEngineInputError } from './errors';

export interface ExecutionOrderKey {
  /** ISO-8601 instant with an explicit zone, e.g. 2024-05-01T09:30:00.123456Z. */
  executedAt: string;
  /** Arrival sequence (e.g. a BIGSERIAL, which pg returns as a string). */
  seq: string | number;
}

interface Instant {
  epochMs: number;
  /** Sub-millisecond digits, kept as text because Date only resolves milliseconds. */
  subMs: string;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/i;

function parseInstant(value: unknown, field: string): Instant {
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  if (!match) {
    throw new LotEngineInputError(
      field,
      'must be an ISO-8601 timestamp with a zone, e.g. 2024-05-01T09:30:00Z',
    );
  }
  const [, y, mo, d, h, mi, s, fraction = '', zulu, offsetSign, offsetH = '0', offsetM = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map((part) =>
    Number(part ?? '0'),
  ) as [number, number, number, number, number, number];
  const wallClockMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wallClockMs);
  // Date.UTC silently rolls over (Feb 30 -> Mar 1); a round trip catches impossible dates and times.
  const valid =
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    check.getUTCHours() === hour &&
    check.getUTCMinutes() === minute &&
    check.getUTCSeconds() === second &&
    Number(offsetH) <= 23 &&
    Number(offsetM) <= 59;
  if (!valid) throw new LotEngineInputError(field, 'is not a valid date and time');
  const offsetMinutes = zulu ? 0 : (offsetSign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM));
  const paddedFraction = fraction.padEnd(3, '0');
  return {
    epochMs: wallClockMs - offsetMinutes * 60_000 + Number(paddedFraction.slice(0, 3)),
    subMs: paddedFraction.slice(3).replace(/0+$/, ''),
  };
}

function compareInstants(a: Instant, b: Instant): number {
  if (a.epochMs !== b.epochMs) return a.epochMs < b.epochMs ? -1 : 1;
  const width = Math.max(a.subMs.length, b.subMs.length);
  const left = a.subMs.padEnd(width, '0');
  const right = b.subMs.padEnd(width, '0');
  return left === right ? 0 : left < right ? -1 : 1;
}

function seqToBigInt(value: unknown, field: string): bigint {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new LotEngineInputError(field, 'must be an integer (a safe integer number or a string of digits)');
}

/**
 * Sort comparator for trades: by executedAt as an instant (sub-millisecond digits respected), then
 * by arrival sequence compared as integers ("10" after "9"). Returns -1, 0 or 1.
 */
export function compareExecutionOrder(a: ExecutionOrderKey, b: ExecutionOrderKey): number {
  // Everything is parsed up front so a malformed key fails the sort even when it would not decide it.
  const instantA = parseInstant(a.executedAt, 'a.executedAt');
  const instantB = parseInstant(b.executedAt, 'b.executedAt');
  const seqA = seqToBigInt(a.seq, 'a.seq');
  const seqB = seqToBigInt(b.seq, 'b.seq');
  const byTime = compareInstants(instantA, instantB);
  if (byTime !== 0) return byTime;
  return seqA === seqB ? 0 : seqA < seqB ? -1 : 1;
}
