import fc from 'fast-check';
import { Pool } from 'pg';
import { AppProcess, database, startApi, stop } from './support/stack';

// Property-based fuzzing of POST /trades on the running api: ≥ 10,000 malformed and edge-case requests,
// every one answered 4xx with a message, none answered 5xx or left hanging, and nothing written.

const VALID_DECIMAL = /^-?\d{1,20}(\.\d{1,18})?$/;
const isValidDecimalText = (s: string, positive: boolean) =>
  VALID_DECIMAL.test(s.trim()) && !/^-?0*(\.0*)?$/.test(s.trim()) && (!positive || !s.trim().startsWith('-'));

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const badSymbol = fc.oneof(
  fc
    .string({ unit: 'binary', maxLength: 40 })
    .filter((s) => !/^[A-Z0-9.-]{1,16}$/.test(s.trim().toUpperCase())),
  fc.constantFrom('', ' ', 'A'.repeat(17), 'AA PL', 'ÄPPLE', 'AAPL$', '💸'),
  notAString,
);

const badDecimal = (positive: boolean) =>
  fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).filter((s) => !isValidDecimalText(s, positive)),
    fc.constantFrom(
      '0',
      '-0',
      '0.000',
      'NaN',
      'Infinity',
      '-Infinity',
      '1e3',
      '0x10',
      '1,5',
      '.5',
      '5.',
      '+5',
      '',
    ),
    fc.constantFrom('1.' + '1'.repeat(19), '9'.repeat(21), '1'.repeat(5000), '--1', '1..2'),
    fc.constantFrom(0, 1e21, -1e21, 1e-19, 0.30000000000000004, Number.MAX_SAFE_INTEGER + 2),
    positive ? fc.constantFrom('-1', '-0.5', -3) : fc.constant('0'),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
  );

const badExecutedAt = fc.oneof(
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)),
  fc.constantFrom('2026-01-05T10:00:00', '2026-01-05', '2999-01-01T00:00:00Z', '2026-02-30T10:00:00Z', 'now'),
  fc.integer(),
  fc.constant(null),
);

const badAccount = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
  fc.constantFrom('', 'a'.repeat(65), 'my account', 'acct/1'),
  notAString,
);

const badClientTradeId = fc.oneof(
  fc.constantFrom('', 'x'.repeat(129), 'tab\there', 'nul\u0000', 'é'),
  notAString,
);

const validBase = fc.record({
  symbol: fc.constantFrom('AAPL', 'msft', 'BRK.B', 'X-1'),
  qty: fc.constantFrom('100', '-0.5', 2, '0.000000000000000001'),
  price: fc.constantFrom('150', '0.01', 99.5),
});

type Body = Record<string, unknown>;

/** A request that is invalid for at least one reason; the rest of it may be perfectly valid. */
const invalidRequest: fc.Arbitrary<{ body: string; why: string }> = fc.oneof(
  fc.tuple(validBase, badSymbol).map(([b, v]) => json({ ...b, symbol: v }, 'symbol')),
  fc.tuple(validBase, badDecimal(false)).map(([b, v]) => json({ ...b, qty: v }, 'qty')),
  fc.tuple(validBase, badDecimal(true)).map(([b, v]) => json({ ...b, price: v }, 'price')),
  fc.tuple(validBase, badExecutedAt).map(([b, v]) => json({ ...b, executedAt: v }, 'executedAt')),
  fc.tuple(validBase, badAccount).map(([b, v]) => json({ ...b, account: v }, 'account')),
  fc.tuple(validBase, badClientTradeId).map(([b, v]) => json({ ...b, clientTradeId: v }, 'clientTradeId')),
  fc
    .tuple(
      validBase,
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !KNOWN.has(k) && k !== '__proto__'),
    )
    .map(([b, k]) => json({ ...b, [k]: 1 }, 'unknown field')),
  fc
    .oneof(
      fc.constant('[]'),
      fc.constant('null'),
      fc.constant('42'),
      fc.constant('"AAPL"'),
      fc.constant('{}'),
    )
    .map((body) => ({ body, why: 'not a trade object' })),
  fc
    .string({ maxLength: 60 })
    .filter((s) => !isJson(s))
    .map((body) => ({ body, why: 'malformed JSON' })),
  validBase.map((b) => json(b, OVERSIZED)),
);
// The 70 KB body is built at send time, so a failure report stays readable.
const OVERSIZED = 'oversized';
const KNOWN = new Set(['symbol', 'qty', 'price', 'executedAt', 'account', 'clientTradeId']);

function json(body: Body, why: string) {
  return { body: JSON.stringify(body), why };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('POST /trades fuzzing (real api + PostgreSQL)', () => {
  const port = 13004;
  let api: AppProcess;
  let db: Pool;

  beforeAll(async () => {
    db = database();
    api = await startApi(port);
  });

  afterAll(async () => {
    await stop(api);
    await db?.end();
  });

  it('answers 10,000 generated bad requests with a 4xx and a message, and writes nothing', async () => {
    const counts = () =>
      db.query(
        'SELECT (SELECT count(*) FROM trades)::int AS trades, (SELECT count(*) FROM outbox)::int AS outbox',
      );
    const before = (await counts()).rows;
    let sent = 0;
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(fc.array(invalidRequest, { minLength: 50, maxLength: 50 }), async (batch) => {
        await Promise.all(
          batch.map(async ({ body, why }) => {
            const response = await fetch(`http://127.0.0.1:${port}/trades`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: why === OVERSIZED ? body.replace(/}$/, `,"note":"${'x'.repeat(70_000)}"}`) : body,
              signal: AbortSignal.timeout(10_000),
            });
            sent += 1;
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const answer = (await response.json().catch(() => null)) as { message?: unknown } | null;
            const message = ([] as unknown[]).concat(answer?.message ?? []);
            if (response.status < 400 || response.status >= 500 || message.length === 0) {
              throw new Error(`${why}: ${body.slice(0, 200)} → ${response.status} ${JSON.stringify(answer)}`);
            }
          }),
        );
      }),
      { numRuns: 200, seed: Number(process.env['LOTWISE_FUZZ_SEED'] ?? 20261125) },
    );

    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect([...statuses.keys()].every((s) => s === 400 || s === 413)).toBe(true);
    expect((await counts()).rows).toEqual(before);
  });
});
