import { Trade } from '@lotwise/contracts';
import { existsSync, readdirSync } from 'node:fs';
import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import { matcherCaughtUp } from './support/kafka';
import { paced, stream } from './support/posting';
import { prng, randomTrades } from './support/random-trades';
import {
  ApiClient,
  AppProcess,
  database,
  kafkaBroker,
  runCommand,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
  waitUntil,
} from './support/stack';

// Each scenario streams thousands of random trades over many symbols while a fault happens, then checks
// that every accepted trade was settled exactly once: the books equal the lot engine's replay.

const API_PORT = 13201;
const SYMBOLS = Array.from({ length: 12 }, (_, i) => `F${i}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function settledCount(db: Pool, accounts: string[]): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM trades WHERE account = ANY($1) AND status <> 'PENDING'`,
    [accounts],
  );
  return rows[0].n;
}

describe('fault injection (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient(`http://127.0.0.1:${API_PORT}`);
  let apiProcess: AppProcess | undefined;
  let matchers: AppProcess[] = [];
  let db: Pool;

  beforeAll(async () => {
    db = database();
    apiProcess = await startApi(API_PORT);
  });

  afterEach(async () => {
    await Promise.all(matchers.map((m) => stop(m)));
    matchers = [];
  });

  afterAll(async () => {
    await stop(apiProcess);
    await db?.end();
  });

  async function expectExactBooks(accounts: string[], accepted: Trade[]): Promise<void> {
    await api.settled(
      accepted.map((t) => t.id),
      180_000,
    );
    await matcherCaughtUp(120_000);
    expect(await compareBooksWithReplay(db, accounts)).toEqual([]);
  }

  it('survives the matcher being SIGKILLed 5 times at random moments', async () => {
    const accounts = [uniqueAccount('fk1'), uniqueAccount('fk2'), uniqueAccount('fk3')];
    const trades = randomTrades(501, 3000, accounts, SYMBOLS);
    matchers = [await startMatcher(13211)];
    const posting = paced(api, trades, 150);
    const random = prng(501);
    for (let kill = 1; kill <= 5; kill++) {
      await sleep(500 + random() * 2500);
      if (kill === 1) expect(posting.running()).toBe(true);
      await stop(matchers[0], 'SIGKILL');
      matchers = [await startMatcher(13211)];
    }
    await expectExactBooks(accounts, await posting);
  });

  it('keeps accepting while the broker is down for 10 s, and the relay catches up', async () => {
    const accounts = [uniqueAccount('fb1'), uniqueAccount('fb2')];
    const trades = randomTrades(502, 2000, accounts, SYMBOLS);
    matchers = [await startMatcher(13211)];
    const posting = paced(api, trades, 250);
    await waitUntil('some trades to settle', 60_000, async () => (await settledCount(db, accounts)) > 200);
    expect(posting.running()).toBe(true);
    await kafkaBroker('stop');
    const stoppedAt = Date.now();
    await sleep(10_000);
    const acceptedWhileDown = await db.query(
      `SELECT count(*)::int AS n FROM trades WHERE account = ANY($1) AND received_at > to_timestamp($2 / 1000.0)`,
      [accounts, stoppedAt],
    );
    await kafkaBroker('start');
    expect(acceptedWhileDown.rows[0].n).toBeGreaterThan(0);
    await expectExactBooks(accounts, await posting);
  });

  it('recovers when PostgreSQL restarts mid-stream, skipping nothing', async () => {
    const cluster = localPostgresCluster();
    if (!cluster) {
      // Only a local cluster can be restarted from here; say so rather than pass silently.
      throw new Error('no local PostgreSQL cluster (pg_ctlcluster) to restart');
    }
    const accounts = [uniqueAccount('fp1'), uniqueAccount('fp2')];
    const trades = randomTrades(503, 2000, accounts, SYMBOLS);
    matchers = [await startMatcher(13211)];
    const posting = paced(api, trades, 100);
    await waitUntil('some trades to settle', 60_000, async () => (await settledCount(db, accounts)) > 300);
    expect(posting.running()).toBe(true);
    await runCommand('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart']);
    await db.end();
    db = database();
    await expectExactBooks(accounts, await posting);
  });

  it('publishes what the api recorded before it was SIGKILLed and never published', async () => {
    const accounts = [uniqueAccount('fa1')];
    const trades = randomTrades(504, 1000, accounts, SYMBOLS);
    matchers = [await startMatcher(13211)];
    await kafkaBroker('stop');
    const recorded = await stream(api, trades);
    const unpublished = await db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND payload->>'account' = ANY($1)`,
      [accounts],
    );
    expect(unpublished.rows[0].n).toBe(1000);
    await stop(apiProcess, 'SIGKILL');
    await kafkaBroker('start');
    apiProcess = await startApi(API_PORT);
    await expectExactBooks(accounts, recorded);
  });

  it('changes nothing when a new consumer group re-consumes the whole topic from offset 0', async () => {
    const accounts = [uniqueAccount('fr1'), uniqueAccount('fr2')];
    const trades = randomTrades(505, 2000, accounts, SYMBOLS);
    matchers = [await startMatcher(13211)];
    await expectExactBooks(accounts, await stream(api, trades));
    const before = await booksFingerprint(db);

    const group = `lotwise-matcher-replay-${Date.now()}`;
    const replayer = await startMatcher(13212, { MATCHER_CONSUMER_GROUP: group });
    matchers.push(replayer);
    await matcherCaughtUp(180_000, group);

    expect(await booksFingerprint(db)).toEqual(before);
  });

  it('keeps the books exact when one of two matchers is killed and the group rebalances', async () => {
    const accounts = [uniqueAccount('fg1'), uniqueAccount('fg2'), uniqueAccount('fg3')];
    const trades = randomTrades(506, 3000, accounts, SYMBOLS);
    matchers = await Promise.all([startMatcher(13211), startMatcher(13212)]);
    const posting = paced(api, trades, 100);
    await waitUntil('some trades to settle', 60_000, async () => (await settledCount(db, accounts)) > 500);
    expect(posting.running()).toBe(true);
    await stop(matchers[1], 'SIGKILL');
    await expectExactBooks(accounts, await posting);
  });
});

/** Everything the matcher owns, in one comparable value. */
async function booksFingerprint(db: Pool): Promise<unknown> {
  const { rows } = await db.query(`
    SELECT (SELECT md5(string_agg(id || ':' || status || ':' || coalesce(reject_reason, ''), ',' ORDER BY id)) FROM trades) AS trades,
           (SELECT md5(string_agg(id || ':' || remaining_qty, ',' ORDER BY id)) FROM lots) AS lots,
           (SELECT md5(string_agg(sell_trade_id || '>' || lot_id || ':' || qty || ':' || realized_pnl, ',' ORDER BY sell_trade_id, lot_id)) FROM realized_pnl) AS entries,
           (SELECT md5(string_agg(account || symbol || open_qty || ':' || open_cost || ':' || realized_pnl || ':' || realized_entries, ',' ORDER BY account, symbol)) FROM positions) AS positions`);
  return rows[0];
}

function localPostgresCluster(): string | null {
  const host = process.env['POSTGRES_HOST'] ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost'].includes(host) || !existsSync('/etc/postgresql')) return null;
  return readdirSync('/etc/postgresql').sort().pop() ?? null;
}
