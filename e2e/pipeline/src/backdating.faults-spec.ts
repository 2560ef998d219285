import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import {
  awaitSettlement,
  entriesOfSellsBefore,
  seedPositionHistory,
  tradesBackdatedInto,
} from './support/history';
import { matcherCaughtUp } from './support/kafka';
import { paced } from './support/posting';
import { randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
  untilBooksBeingWritten,
} from './support/stack';

// Backdated trades rewrite part of a position's books; a matcher killed in the middle of that must leave the
// books as if it had never started, and settle every trade exactly once after its restart.
describe('backdated trades under faults (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient('http://127.0.0.1:13202');
  let apiProcess: AppProcess | undefined;
  let matcher: AppProcess | undefined;
  let db: Pool;

  beforeAll(async () => {
    db = database();
    apiProcess = await startApi(13202);
  });

  afterAll(async () => {
    await Promise.all([stop(apiProcess), stop(matcher)]);
    await db?.end();
  });

  it('settles a stream of deep backdated trades exactly once while the matcher is SIGKILLed 3 times', async () => {
    const account = uniqueAccount('fdeep');
    const history = await seedPositionHistory(db, randomTrades(20261205, 8000, [account], ['FDEEP']));
    const backdated = tradesBackdatedInto(
      history,
      20261206,
      60,
      { buyShare: 0.5, maxBuyUnits: 5, maxSellUnits: 5 },
      500,
    );
    const earliest = backdated.map((t) => t.executedAt as string).sort()[0] as string;
    const untouched = await entriesOfSellsBefore(db, account, 'FDEEP', earliest);
    matcher = await startMatcher(13221);
    // Paced to last ~20 s, so the kills land while trades still arrive, however fast the matcher is.
    const posting = paced(api, backdated, 300);
    const midTransaction: boolean[] = [];
    for (let kill = 1; kill <= 3; kill++) {
      // The moment a settlement transaction holds the books' locks, or after 15 s whatever it does.
      midTransaction.push(await untilBooksBeingWritten(db, 15_000));
      if (kill === 1) expect(posting.running()).toBe(true);
      await stop(matcher, 'SIGKILL');
      matcher = await startMatcher(13221);
    }
    const hits = midTransaction.filter(Boolean).length;
    console.log(`${hits} of 3 SIGKILLs landed while the matcher held the books' locks`);
    expect(hits).toBeGreaterThan(0);
    const accepted = await posting;
    expect(accepted).toHaveLength(60);

    await awaitSettlement(
      db,
      accepted.map((t) => t.id),
      { what: 'the last of 60 backdated trades once all were posted', timeoutMs: 120_000, budgetMs: 15_000 },
    );
    await matcherCaughtUp(60_000);
    expect(await compareBooksWithReplay(db, [account], { arrival: 'any' })).toEqual([]);
    expect(await entriesOfSellsBefore(db, account, 'FDEEP', earliest)).toEqual(untouched);
  }, 180_000);
});
