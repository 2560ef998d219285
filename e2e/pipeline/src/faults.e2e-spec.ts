import { Trade } from '@lotwise/contracts';
import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import { matcherCaughtUp } from './support/kafka';
import { postInPositionOrder, randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  kafkaBroker,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
  waitUntil,
} from './support/stack';

// A 202 is a promise: no accepted trade is lost or applied twice when Kafka or the matcher fails.
describe('faults (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient('http://127.0.0.1:13003');
  let apiProcess: AppProcess;
  let matcher: AppProcess | undefined;
  let db: Pool;

  beforeAll(async () => {
    db = database();
    [apiProcess, matcher] = await Promise.all([startApi(13003), startMatcher(13121)]);
  });

  afterAll(async () => {
    await kafkaBroker('start');
    await Promise.all([stop(apiProcess), stop(matcher)]);
    await db?.end();
  });

  it('accepts trades while Kafka is down and applies them all once it is back', async () => {
    const account = uniqueAccount('kafkadown');
    await kafkaBroker('stop');
    const trades = randomTrades(7, 40, [account], ['KD1', 'KD2', 'KD3']);
    const accepted = await postInPositionOrder(api, trades);
    expect(accepted.every((t) => t.status === 'PENDING')).toBe(true);

    const health = await fetch('http://127.0.0.1:13003/health');
    expect(health.status).toBe(503);
    const backlog = await db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND payload->>'account' = $1`,
      [account],
    );
    expect(backlog.rows[0].n).toBe(40);

    await kafkaBroker('start');
    await api.settled(
      accepted.map((t) => t.id),
      120_000,
    );
    expect(await compareBooksWithReplay(db, [account])).toEqual([]);
  });

  it('loses nothing and applies nothing twice when the matcher is SIGKILLed mid-stream', async () => {
    const accounts = [uniqueAccount('kill1'), uniqueAccount('kill2')];
    const trades = randomTrades(99, 600, accounts, ['K1', 'K2', 'K3', 'K4', 'K5']);
    const posting = postInPositionOrder(api, trades);

    for (let kill = 0; kill < 2; kill++) {
      // Let it apply some, then kill it without warning in the middle of the stream.
      await waitUntil('the matcher to apply some trades', 60_000, async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM trades WHERE account = ANY($1) AND status <> 'PENDING'`,
          [accounts],
        );
        return rows[0].n > (kill + 1) * 100;
      });
      await stop(matcher, 'SIGKILL');
      matcher = await startMatcher(13121);
    }
    const accepted: Trade[] = await posting;
    await api.settled(
      accepted.map((t) => t.id),
      120_000,
    );
    await matcherCaughtUp();
    expect(await compareBooksWithReplay(db, accounts)).toEqual([]);
  });
});
