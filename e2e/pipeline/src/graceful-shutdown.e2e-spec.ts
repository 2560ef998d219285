import { SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import { matcherCaughtUp } from './support/kafka';
import { postInPositionOrder, randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
  waitUntil,
} from './support/stack';

// SIGTERM is how Docker, Kubernetes and `npm start`'s Ctrl-C stop an instance: it must leave nothing half done.
// The matcher finishes the trade in flight, commits it and leaves the group; the api stops accepting and drains
// its outbox. Either way the process exits 0 within seconds, and no accepted trade is lost or applied twice.

const API_PORT = 15001;
const EXIT_WITHIN_MS = 10_000;
const SYMBOLS = ['GS1', 'GS2', 'GS3', 'GS4', 'GS5'];

async function settledCount(db: Pool, accounts: string[]): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM trades WHERE account = ANY($1) AND status <> 'PENDING'`,
    [accounts],
  );
  return rows[0].n;
}

/** Sends SIGTERM and waits for the exit; returns the exit code (or signal) and how long it took. */
async function terminate(app: AppProcess): Promise<{ code: number | string | null; ms: number }> {
  const startedAt = Date.now();
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 30_000);
  const code = await app.exited;
  clearTimeout(timer);
  return { code, ms: Date.now() - startedAt };
}

/** The log, once it contains `expected` (the pipe from the child may deliver the last lines after its exit). */
async function logOnce(app: AppProcess, expected: RegExp): Promise<string> {
  let text = '';
  await waitUntil(`${app.name}'s log to show ${expected}`, 5000, async () => {
    text = readFileSync(app.logFile, 'utf8');
    return expected.test(text);
  });
  return text;
}

describe('graceful shutdown (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient(`http://127.0.0.1:${API_PORT}`);
  let apiProcess: AppProcess | undefined;
  let matcher: AppProcess | undefined;
  let db: Pool;

  beforeAll(async () => {
    db = database();
    [apiProcess, matcher] = await Promise.all([startApi(API_PORT), startMatcher(15101)]);
  });

  afterAll(async () => {
    await Promise.all([stop(apiProcess), stop(matcher)]);
    await db?.end();
  });

  it('a matcher given SIGTERM mid-stream commits what it settled and exits 0; nothing is lost or applied twice', async () => {
    const accounts = [uniqueAccount('term1'), uniqueAccount('term2')];
    const trades = randomTrades(20261205, 600, accounts, SYMBOLS);
    const posting = postInPositionOrder(api, trades);

    await waitUntil(
      'the matcher to apply some trades',
      60_000,
      async () => (await settledCount(db, accounts)) > 50,
    );
    const first = matcher as AppProcess;
    const { code, ms } = await terminate(first);
    const settledAtExit = await settledCount(db, accounts);

    expect(code).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    // It really stopped mid-stream.
    expect(settledAtExit).toBeLessThan(trades.length);
    await logOnce(first, /shutting down: the consumer stops fetching/);

    // A new instance takes over the partitions and finishes the stream.
    matcher = await startMatcher(15102);
    const accepted: Trade[] = await posting;
    expect(accepted).toHaveLength(trades.length);
    const ids = new Set(accepted.map((t) => t.id));
    await api.settled([...ids], 120_000);
    await matcherCaughtUp();

    expect(await compareBooksWithReplay(db, accounts)).toEqual([]);
    // Every trade the first instance settled was committed before it left: none is delivered again (a
    // SIGKILLed matcher leaves its last ones uncommitted, and its successor finds them "already APPLIED").
    const redelivered = [...readFileSync(matcher.logFile, 'utf8').matchAll(/trade (\d+) already/g)]
      .map((m) => m[1] as string)
      .filter((id) => ids.has(id));
    expect(redelivered).toEqual([]);
  });

  it('an api given SIGTERM while trades arrive answers what it accepted, publishes all of it and exits 0', async () => {
    const account = uniqueAccount('apiterm');
    const trades = randomTrades(20261206, 400, [account], SYMBOLS);
    const accepted: Trade[] = [];
    const byPosition = new Map<string, SubmitTradeRequest[]>();
    for (const trade of trades)
      byPosition.set(trade.symbol, [...(byPosition.get(trade.symbol) ?? []), trade]);
    // Each position's chain stops at the first request the closing api refuses.
    const posting = Promise.all(
      [...byPosition.values()].map(async (chain) => {
        for (const trade of chain) {
          try {
            accepted.push(await api.submit(trade));
          } catch {
            return;
          }
        }
      }),
    );

    await waitUntil('the api to accept some trades', 60_000, async () => accepted.length >= 40);
    const { code, ms } = await terminate(apiProcess as AppProcess);
    await posting;

    expect(code).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    expect(accepted.length).toBeLessThan(trades.length);
    // The relay drained the outbox on its way out: nothing it accepted waits for the next api to start.
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND payload->>'account' = $1`,
      [account],
    );
    expect(rows[0].n).toBe(0);
    await logOnce(apiProcess as AppProcess, /outbox drained on shutdown/);

    apiProcess = await startApi(API_PORT);
    await api.settled(
      accepted.map((t) => t.id),
      120_000,
    );
    await matcherCaughtUp();
    expect(await compareBooksWithReplay(db, [account])).toEqual([]);
  });
});
