import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool, PoolConfig } from 'pg';
import { BenchConfig } from './config';
import { GeneratedTrade } from './trades';

export function pgSettings(config: BenchConfig, database = config.postgres.database): PoolConfig {
  const { host, port, user, password } = config.postgres;
  return { host, port, user, password, database, application_name: 'lotwise-bench' };
}

/** Drops and recreates lotwise_bench, then applies init.sql (what `scripts/lotwise.mjs db-init` does). */
export async function recreateDatabase(config: BenchConfig): Promise<void> {
  const admin = new Client(pgSettings(config, 'postgres'));
  await admin.connect();
  try {
    const ident = `"${config.postgres.database.replaceAll('"', '""')}"`;
    await admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${ident}`);
  } finally {
    await admin.end();
  }
  const client = new Client(pgSettings(config));
  await client.connect();
  try {
    await client.query(readFileSync(join(config.root, 'init.sql'), 'utf8'));
  } finally {
    await client.end();
  }
}

export async function truncateBooks(db: Pool): Promise<void> {
  await db.query('TRUNCATE trades, positions, lots, realized_pnl, outbox RESTART IDENTITY CASCADE');
}

/**
 * Records trades as the api would (status PENDING), in bulk: multi-row INSERTs of 5,000 from arrays.
 * Returns the ids in input order (matched back through executed_at, unique per generated trade).
 */
export async function insertPendingTrades(
  db: Pool,
  trades: GeneratedTrade[],
  receivedAt: Date,
): Promise<string[]> {
  const ids = new Array<string>(trades.length);
  const index = new Map<number, number>(trades.map((t, i) => [t.executedAt.getTime(), i]));
  if (index.size !== trades.length) throw new Error('generated trades must have unique executedAt');
  const chunk = 5000;
  for (let from = 0; from < trades.length; from += chunk) {
    const part = trades.slice(from, from + chunk);
    const { rows } = await db.query<{ id: string; executed_at: Date }>(
      `INSERT INTO trades (account, symbol, qty, price, executed_at, received_at, status)
       SELECT account, symbol, qty, price, executed_at, $6, 'PENDING'
       FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::timestamptz[])
         WITH ORDINALITY AS u(account, symbol, qty, price, executed_at, ord)
       ORDER BY ord
       RETURNING id::text, executed_at`,
      [
        part.map((t) => t.account),
        part.map((t) => t.symbol),
        part.map((t) => t.qty),
        part.map((t) => t.price),
        part.map((t) => t.executedAt.toISOString()),
        receivedAt.toISOString(),
      ],
    );
    for (const row of rows) {
      const i = index.get(row.executed_at.getTime());
      if (i === undefined) throw new Error(`inserted trade ${row.id} does not match a generated one`);
      ids[i] = row.id;
    }
  }
  return ids;
}

/**
 * Books of one position holding `lots` open lots of 100 units each (APPLIED buy trades, their lots, the
 * positions row with open_qty = Σ remaining, open_cost = Σ remaining × price and the last trade as high-water
 * mark), written with set-based SQL.
 */
export async function loadOpenLots(
  db: Pool,
  account: string,
  symbol: string,
  lots: number,
  start: Date,
): Promise<void> {
  await db.query(
    `WITH buys AS (
       INSERT INTO trades (account, symbol, qty, price, executed_at, received_at, status, settled_at)
       SELECT $1, $2, 100, 10 + (g % 90), $4::timestamptz + g * interval '1 millisecond', now(), 'APPLIED', now()
       FROM generate_series(1, $3::int) AS g
       RETURNING id, account, symbol, qty, price, executed_at)
     INSERT INTO lots (account, symbol, trade_id, qty, remaining_qty, price, executed_at)
     SELECT account, symbol, id, qty, qty, price, executed_at FROM buys`,
    [account, symbol, lots, start.toISOString()],
  );
  await db.query(
    `INSERT INTO positions (account, symbol, open_qty, open_cost, last_executed_at, last_trade_id)
     SELECT account, symbol, sum(remaining_qty), sum(remaining_qty * price), max(executed_at), max(trade_id)
     FROM lots WHERE account = $1 AND symbol = $2 GROUP BY account, symbol`,
    [account, symbol],
  );
}

/**
 * A position with `entries` realized P&L entries and consistent books: one buy of `entries` units, fully
 * consumed by `entries` sells of one unit (one entry each); the lot is closed and the position is flat.
 */
export async function loadPnlEntries(
  db: Pool,
  account: string,
  symbol: string,
  entries: number,
  start: Date,
): Promise<void> {
  await db.query(
    `WITH buy AS (
       INSERT INTO trades (account, symbol, qty, price, executed_at, received_at, status, settled_at)
       VALUES ($1, $2, $3, 10, $4, now(), 'APPLIED', now())
       RETURNING id, account, symbol, qty, price, executed_at),
     lot AS (
       INSERT INTO lots (account, symbol, trade_id, qty, remaining_qty, price, executed_at)
       SELECT account, symbol, id, qty, 0, price, executed_at FROM buy
       RETURNING id, account, symbol, price),
     sells AS (
       INSERT INTO trades (account, symbol, qty, price, executed_at, received_at, status, settled_at)
       SELECT $1, $2, -1, 10.5 + (g % 10), $4::timestamptz + g * interval '1 millisecond', now(), 'APPLIED', now()
       FROM generate_series(1, $3::int) AS g
       RETURNING id, price)
     INSERT INTO realized_pnl (account, symbol, qty, buy_price, sell_price, realized_pnl, lot_id, sell_trade_id)
     SELECT lot.account, lot.symbol, 1, lot.price, sells.price, (sells.price - lot.price) * 1, lot.id, sells.id
     FROM sells CROSS JOIN lot`,
    [account, symbol, entries, start.toISOString()],
  );
  await db.query(
    `INSERT INTO positions (account, symbol, open_qty, open_cost, realized_pnl, realized_entries,
                            last_executed_at, last_trade_id)
     SELECT t.account, t.symbol, 0, 0,
            (SELECT SUM(realized_pnl) FROM realized_pnl WHERE account = $1 AND symbol = $2),
            (SELECT count(*) FROM realized_pnl WHERE account = $1 AND symbol = $2), max(t.executed_at), max(t.id)
     FROM trades t WHERE t.account = $1 AND t.symbol = $2 GROUP BY t.account, t.symbol`,
    [account, symbol],
  );
}

export async function vacuumAnalyze(db: Pool): Promise<void> {
  for (const table of ['trades', 'positions', 'lots', 'realized_pnl', 'outbox'])
    await db.query(`VACUUM ANALYZE ${table}`);
}

export interface StatusCounts {
  PENDING: number;
  APPLIED: number;
  REJECTED: number;
}

export async function statusCounts(db: Pool, minId = '0'): Promise<StatusCounts> {
  const { rows } = await db.query<{ status: keyof StatusCounts; n: number }>(
    'SELECT status, count(*)::int AS n FROM trades WHERE id > $1 GROUP BY status',
    [minId],
  );
  const counts: StatusCounts = { PENDING: 0, APPLIED: 0, REJECTED: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** Cumulative activity counters of the bench database (pg_stat_database + pg_stat_user_tables). */
export interface DbActivity {
  commits: number;
  rollbacks: number;
  blocksHit: number;
  blocksRead: number;
  tables: Record<
    string,
    {
      idxScan: number;
      seqScan: number;
      idxTupFetch: number;
      ins: number;
      upd: number;
      hotUpd: number;
      del: number;
    }
  >;
}

export async function dbActivity(db: Pool): Promise<DbActivity> {
  const {
    rows: [database],
  } = await db.query<{ commits: string; rollbacks: string; hit: string; read: string }>(
    `SELECT xact_commit::text AS commits, xact_rollback::text AS rollbacks, blks_hit::text AS hit, blks_read::text AS read
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  const { rows } = await db.query<{
    relname: string;
    idx_scan: string | null;
    seq_scan: string;
    idx_tup_fetch: string | null;
    n_tup_ins: string;
    n_tup_upd: string;
    n_tup_hot_upd: string;
    n_tup_del: string;
  }>(
    `SELECT relname, idx_scan::text, seq_scan::text, idx_tup_fetch::text, n_tup_ins::text, n_tup_upd::text,
            n_tup_hot_upd::text, n_tup_del::text
     FROM pg_stat_user_tables`,
  );
  const tables: DbActivity['tables'] = {};
  for (const r of rows) {
    tables[r.relname] = {
      idxScan: Number(r.idx_scan ?? 0),
      seqScan: Number(r.seq_scan),
      idxTupFetch: Number(r.idx_tup_fetch ?? 0),
      ins: Number(r.n_tup_ins),
      upd: Number(r.n_tup_upd),
      hotUpd: Number(r.n_tup_hot_upd),
      del: Number(r.n_tup_del),
    };
  }
  return {
    commits: Number(database?.commits ?? 0),
    rollbacks: Number(database?.rollbacks ?? 0),
    blocksHit: Number(database?.hit ?? 0),
    blocksRead: Number(database?.read ?? 0),
    tables,
  };
}

/** Per-unit difference of two activity snapshots (e.g. per trade), rounded for the report. */
export function activityPer(before: DbActivity, after: DbActivity, units: number): Record<string, number> {
  const per = (a: number, b: number): number => Math.round(((b - a) / units) * 100) / 100;
  const out: Record<string, number> = {
    commits: per(before.commits, after.commits),
    rollbacks: per(before.rollbacks, after.rollbacks),
    blocksHit: per(before.blocksHit, after.blocksHit),
    blocksRead: per(before.blocksRead, after.blocksRead),
  };
  for (const [table, t] of Object.entries(after.tables)) {
    const b = before.tables[table] ?? {
      idxScan: 0,
      seqScan: 0,
      idxTupFetch: 0,
      ins: 0,
      upd: 0,
      hotUpd: 0,
      del: 0,
    };
    out[`${table}.idxScan`] = per(b.idxScan, t.idxScan);
    out[`${table}.seqScan`] = per(b.seqScan, t.seqScan);
    out[`${table}.idxTupFetch`] = per(b.idxTupFetch, t.idxTupFetch);
    out[`${table}.ins`] = per(b.ins, t.ins);
    out[`${table}.upd`] = per(b.upd, t.upd);
    out[`${table}.hotUpd`] = per(b.hotUpd, t.hotUpd);
    out[`${table}.del`] = per(b.del, t.del);
  }
  for (const [key, value] of Object.entries(out)) if (value === 0) delete out[key];
  return out;
}

/** The backends connected to the bench database (for CPU accounting), without this query's own. */
export async function backendPids(db: Pool, database: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows.map((r) => r.pid);
}
