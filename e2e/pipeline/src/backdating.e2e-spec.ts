import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import {
  awaitSettlement,
  entriesOfSellsBefore,
  outOfOrderApplied,
  seedPositionHistory,
  tradesBackdatedInto,
} from './support/history';
import { postConcurrently, stream } from './support/posting';
import { prng, randomInt, randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
} from './support/stack';

// Trades executed before what their position has already applied (backdated): the matcher settles them by
// replaying the position from the trade's time. The books are checked against the lot engine's replay of the
// applied trades (`arrival: 'any'`): arriving out of order, a sell may fairly be rejected that an
// earlier-executed buy arriving later would have covered.
describe('backdated trades (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient('http://127.0.0.1:13005');
  let processes: AppProcess[] = [];
  let db: Pool;

  beforeAll(async () => {
    db = database();
    processes = await Promise.all([startApi(13005), startMatcher(13131)]);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => stop(p)));
    await db?.end();
  });

  it('settles 2,000 trades of one position from 32 concurrent clients, executedAt skewed ±50 ms', async () => {
    const account = uniqueAccount('skew');
    // Mostly buys, and sells small beside them: only sells arriving before enough buys are rejected.
    const trades = randomTrades(20261201, 2000, [account], ['SKEW'], { buyShare: 0.75, maxSellUnits: 40 });
    const skew = prng(20261202);
    const skews = trades.map(() => randomInt(skew, -50, 50));
    const startedAt = Date.now();

    const accepted = await postConcurrently(api, trades, 32, (trade, index) => ({
      ...trade,
      executedAt: new Date(Date.now() + (skews[index] ?? 0)).toISOString(),
    }));
    console.log(`posted 2,000 trades from 32 clients in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    const { rejected } = await awaitSettlement(
      db,
      accepted.map((t) => t.id),
      { what: '2,000 skewed trades of one position', timeoutMs: 150_000, budgetMs: 20_000, since: startedAt },
    );

    expect(await compareBooksWithReplay(db, [account], { arrival: 'any' })).toEqual([]);
    expect(rejected).toBeLessThan(100);
    // The test exercised backdating: trades were applied after a later-executed trade had been.
    const disorder = await outOfOrderApplied(db, account, 'SKEW');
    console.log(
      `applied out of order: ${disorder.arrivedLate} arrived after a later-executed trade, ` +
        `${disorder.settledLate} were settled after one`,
    );
    expect(disorder.arrivedLate).toBeGreaterThan(0);
    expect(disorder.settledLate).toBeGreaterThan(0);
  });

  it('settles 50 trades backdated deep into a 20,000-trade history, rewriting nothing before them', async () => {
    const account = uniqueAccount('deep');
    const history = await seedPositionHistory(db, randomTrades(20261203, 20_000, [account], ['DEEP']));
    // Small buys and sells at random points past the first 1,000 trades, so a long prefix must stay untouched.
    const backdated = tradesBackdatedInto(
      history,
      20261204,
      50,
      { buyShare: 0.5, maxBuyUnits: 5, maxSellUnits: 5 },
      1000,
    );
    const earliest = backdated.map((t) => t.executedAt as string).sort()[0] as string;
    const untouched = await entriesOfSellsBefore(db, account, 'DEEP', earliest);
    expect(untouched.length).toBeGreaterThan(100);
    const startedAt = Date.now();

    const accepted = await stream(api, backdated);
    const { applied } = await awaitSettlement(
      db,
      accepted.map((t) => t.id),
      {
        what: '50 trades backdated into a 20,000-trade history',
        timeoutMs: 240_000,
        budgetMs: 10_000,
        since: startedAt,
      },
    );

    expect(await compareBooksWithReplay(db, [account], { arrival: 'any' })).toEqual([]);
    expect(applied).toBeGreaterThan(25);
    // Replaying from a trade's time leaves what happened before it as it was: same entries, same ids.
    expect(await entriesOfSellsBefore(db, account, 'DEEP', earliest)).toEqual(untouched);
  }, 300_000);
});
