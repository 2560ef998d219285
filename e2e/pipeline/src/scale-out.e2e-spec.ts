import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import { postInPositionOrder, randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
} from './support/stack';

// Several matchers in one consumer group over a multi-partition topic produce the same books as the
// lot engine's replay (and so as one instance would).
describe('two matcher instances (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient('http://127.0.0.1:13002');
  let processes: AppProcess[] = [];
  let db: Pool;

  beforeAll(async () => {
    db = database();
    processes = await Promise.all([startApi(13002), startMatcher(13111), startMatcher(13112)]);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => stop(p)));
    await db?.end();
  });

  it('settles 2,000 random trades over 20 symbols and 3 accounts exactly as the engine replays them', async () => {
    const accounts = [uniqueAccount('s1'), uniqueAccount('s2'), uniqueAccount('s3')];
    const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}`);
    const trades = randomTrades(20261125, 2000, accounts, symbols);

    const accepted = await postInPositionOrder(api, trades);
    const settled = await api.settled(
      accepted.map((t) => t.id),
      120_000,
    );

    expect(settled).toHaveLength(2000);
    const rejected = settled.filter((t) => t.status === 'REJECTED');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((t) => t.rejectReason?.startsWith('insufficient quantity: open '))).toBe(true);
    expect(await compareBooksWithReplay(db, accounts)).toEqual([]);
    // Both instances did part of the work: each logged trades it applied.
    for (const matcher of processes.filter((p) => p.name.startsWith('matcher'))) {
      expect(readFileSync(matcher.logFile, 'utf8')).toMatch(/settled and committed \([1-9]\d* applied/);
    }
  });
});
