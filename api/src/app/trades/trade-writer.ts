import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';

/** A trade and its outbox row as TradesService hands them over: every value already canonical. */
export interface TradeRow {
  account: string;
  symbol: string;
  qty: string;
  price: string;
  executedAt: Date;
  receivedAt: Date;
  status: string;
  clientTradeId: string | null;
  requestHash: string;
  topic: string;
  messageKey: string;
  /** The outbox payload as JSON, without tradeId, which the statement adds once the trade has its id. */
  payload: string;
}

/** At most this many POSTs share one statement. */
export const MAX_BATCH_ROWS = 128;
/**
 * How long the first POST of a batch waits for company when no batch is in flight: 0 means only until the
 * event loop has read what already arrived (setImmediate). While a batch is in flight, the next one gathers
 * whatever arrives meanwhile and goes as soon as it is done.
 */
export const MAX_BATCH_WAIT_MS = 0;

/**
 * First key (classid) of the transaction-scoped advisory locks that serialise writers of one position (account|
 * symbol); the second is hashtext of the message key. The two-int4 key space is apart from the relay's drain lock.
 */
export const POSITION_WRITE_LOCK = 7_180_012;

/**
 * The trades and their outbox rows of a whole batch in one statement, so one round trip and one commit however
 * many POSTs share it. Every value comes in as an array, so the text never changes and is prepared once per
 * connection.
 *
 * Publishing order: the statement first locks the positions it writes (advisory, until commit; in one fixed
 * order, so two batches never deadlock), and only then draws ids. A concurrent writer of the same position (another
 * api instance) waits for this commit before it draws its own ids, so per position ids follow commit order, and a
 * row is never visible while a row of the same position with a lower id could still commit: the relay, which
 * publishes visible rows by id, publishes each position's events in commit order.
 *
 * The ids are drawn from the trades identity (in arrival order) before inserting, so each input row knows its
 * trade's id: a row whose clientTradeId is taken (by an earlier trade, or an earlier row of the same batch) inserts
 * neither trade nor outbox row and comes back without a tradeId. jsonb orders the payload's keys itself.
 */
export const SUBMIT_BATCH_SQL = `
WITH locked AS MATERIALIZED (
  SELECT count(pg_advisory_xact_lock(${POSITION_WRITE_LOCK}, h)) AS n
  FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($11::text[]) AS k ORDER BY 1) keys
),
input AS MATERIALIZED (
  SELECT nextval('trades_id_seq') AS id, u.*
  FROM locked, (
    SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::timestamptz[],
                         $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[])
      WITH ORDINALITY AS r(account, symbol, qty, price, executed_at, received_at, status, client_trade_id,
                           request_hash, topic, message_key, payload, ord)
    ORDER BY ord
  ) u
),
t AS (
  INSERT INTO trades (id, account, symbol, qty, price, executed_at, received_at, status, client_trade_id, request_hash)
  OVERRIDING SYSTEM VALUE
  SELECT id, account, symbol, qty, price, executed_at, received_at, status, client_trade_id, request_hash
  FROM input ORDER BY ord
  ON CONFLICT (account, client_trade_id) WHERE client_trade_id IS NOT NULL DO NOTHING
  RETURNING id
),
o AS (
  INSERT INTO outbox (topic, message_key, payload)
  SELECT i.topic, i.message_key, i.payload || jsonb_build_object('tradeId', i.id::text)
  FROM input i JOIN t ON t.id = i.id ORDER BY i.ord
)
SELECT i.ord::int AS ord, i.id::text AS "tradeId" FROM input i JOIN t ON t.id = i.id`;

interface Waiting {
  row: TradeRow;
  resolve(tradeId: string | null): void;
  reject(error: unknown): void;
}

/**
 * Group commit for POST /trades. Concurrent submissions share one statement (autocommit, so one commit) of up to
 * MAX_BATCH_ROWS rows; one batch is in flight at a time, and each caller gets its own outcome once the batch has
 * committed: the new trade's id, or null when its clientTradeId was taken. A batch that fails on a value
 * (SQLSTATE class 22 or 23: raised while the statement runs, so nothing of it was committed) is retried row by
 * row (the same statement, one row each), so only the offending request fails; any other error fails the whole batch, as it would each statement.
 */
@Injectable()
export class TradeWriter {
  private readonly queue: Waiting[] = [];
  private inFlight = false;
  private scheduled = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Resolves once the trade and its outbox row are committed: with its id, or null when the clientTradeId is taken. */
  write(row: TradeRow): Promise<string | null> {
    return new Promise<string | null>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight) return;
    if (this.queue.length >= MAX_BATCH_ROWS) {
      void this.flush();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      if (!this.inFlight && this.queue.length > 0) void this.flush();
    };
    if (MAX_BATCH_WAIT_MS > 0) setTimeout(go, MAX_BATCH_WAIT_MS);
    else setImmediate(go);
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    const batch = this.queue.splice(0, MAX_BATCH_ROWS);
    try {
      // Whatever fails (even giving the connection back), every caller hears of it; a settled one ignores it.
      await this.commit(batch).catch((error: unknown) => batch.forEach((waiting) => waiting.reject(error)));
    } finally {
      this.inFlight = false;
      // What arrived meanwhile has waited for a whole batch already: it goes now.
      if (this.queue.length > 0) void this.flush();
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      let client: PoolClient;
      try {
        client = (await runner.connect()) as PoolClient;
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      let ids: (string | null)[];
      try {
        ids = await insertBatch(
          client,
          batch.map((w) => w.row),
        );
      } catch (error) {
        if (batch.length === 1 || !isValueError(error)) {
          for (const waiting of batch) waiting.reject(error);
          return;
        }
        // The statement failed as a whole, so nothing of it is committed: each row on its own now.
        for (const waiting of batch) {
          try {
            waiting.resolve((await insertBatch(client, [waiting.row]))[0] ?? null);
          } catch (rowError) {
            waiting.reject(rowError);
          }
        }
        return;
      }
      batch.forEach((waiting, i) => waiting.resolve(ids[i] ?? null));
    } finally {
      await runner.release();
    }
  }
}

async function insertBatch(client: PoolClient, rows: TradeRow[]): Promise<(string | null)[]> {
  const column = <T>(pick: (row: TradeRow) => T): T[] => rows.map(pick);
  // Named, so PostgreSQL parses and plans it once per pooled connection rather than on every batch.
  const { rows: inserted } = await client.query<{ ord: number; tradeId: string }>({
    name: 'lotwise_submit_trades',
    text: SUBMIT_BATCH_SQL,
    values: [
      column((r) => r.account),
      column((r) => r.symbol),
      column((r) => r.qty),
      column((r) => r.price),
      column((r) => r.executedAt),
      column((r) => r.receivedAt),
      column((r) => r.status),
      column((r) => r.clientTradeId),
      column((r) => r.requestHash),
      column((r) => r.topic),
      column((r) => r.messageKey),
      column((r) => r.payload),
    ],
  });
  const ids: (string | null)[] = rows.map(() => null);
  for (const { ord, tradeId } of inserted) ids[ord - 1] = tradeId;
  return ids;
}

/** A data exception (22xxx) or an integrity constraint violation (23xxx): the statement's values, not the link. */
function isValueError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
