import { SubmitTradeRequest } from '@lotwise/contracts';
import { replayTrades, summarizePosition } from '@lotwise/lot-engine';
import { sleep } from '@lotwise/testing';
import { Pool, PoolClient } from 'pg';
import { sumDecimals } from './books';
import { prng, randomInt, randomTrades, RandomTradeShape } from './random-trades';

// Deep histories for the backdating tests: written straight into the books (as the matcher would have settled
// them) instead of being pushed through the pipeline, and trades executed in the middle of them.

export interface SeededTrade {
  id: string;
  qty: string;
  price: string;
  /** ISO-8601, milliseconds. */
  executedAt: string;
  status: 'APPLIED' | 'REJECTED';
}

export interface SeededHistory {
  account: string;
  symbol: string;
  /** In execution order, which is also id order. */
  trades: SeededTrade[];
}

/**
 * Writes one position's history as settled books in one transaction: the trades (APPLIED, or REJECTED with
 * the lot engine's reason), every lot their buys opened, the realized P&L entries and the positions row, all
 * computed by `replayTrades`, with one multi-row INSERT per table. Trade and lot ids are drawn from their
 * sequences first, so the statements can refer to each other; the schema's CHECKs and foreign keys catch an
 * inconsistent seed. `trades` must all be of one position that has no trades yet, in strictly increasing
 * executedAt order (what `randomTrades` gives).
 */
export async function seedPositionHistory(
  db: Pool,
  trades: readonly SubmitTradeRequest[],
): Promise<SeededHistory> {
  const [first] = trades;
  const { account, symbol } = first ?? {};
  if (!account || !symbol) throw new Error('seedPositionHistory needs trades with an account and a symbol');
  let previous = -Infinity;
  for (const trade of trades) {
    const at = Date.parse(trade.executedAt ?? '');
    if (trade.account !== account || trade.symbol !== symbol || !(at > previous)) {
      throw new Error('seedPositionHistory needs one position, in strictly increasing executedAt order');
    }
    previous = at;
  }
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const tradeIds = await drawIds(client, 'trades', trades.length);
    const seeded = trades.map((trade, index) => ({
      id: tradeIds[index] as string,
      qty: String(trade.qty),
      price: String(trade.price),
      executedAt: new Date(trade.executedAt as string).toISOString(),
    }));
    const replay = replayTrades(seeded);
    const outcomes = new Map(replay.outcomes.map((o) => [o.tradeId, o]));
    const history: SeededTrade[] = seeded.map((trade) => ({
      ...trade,
      status: outcomes.get(trade.id)?.status ?? 'REJECTED',
    }));
    await client.query(
      `INSERT INTO trades (id, account, symbol, qty, price, executed_at, received_at, status, reject_reason, settled_at)
       OVERRIDING SYSTEM VALUE
       SELECT u.id, $1, $2, u.qty, u.price, u.executed_at, u.executed_at, u.status, u.reason, now()
         FROM unnest($3::bigint[], $4::numeric[], $5::numeric[], $6::timestamptz[], $7::varchar[], $8::text[])
              AS u(id, qty, price, executed_at, status, reason)`,
      [
        account,
        symbol,
        history.map((t) => t.id),
        history.map((t) => t.qty),
        history.map((t) => t.price),
        history.map((t) => t.executedAt),
        history.map((t) => t.status),
        history.map((t) => outcomes.get(t.id)?.reason ?? null),
      ],
    );
    const lotIds = await drawIds(client, 'lots', replay.lots.length);
    const lotId = new Map(replay.lots.map((lot, index) => [lot.tradeId, lotIds[index] as string]));
    await client.query(
      `INSERT INTO lots (id, account, symbol, trade_id, qty, remaining_qty, price, executed_at)
       OVERRIDING SYSTEM VALUE
       SELECT u.id, $1, $2, u.trade_id, u.qty, u.remaining, u.price, t.executed_at
         FROM unnest($3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[], $7::numeric[])
              AS u(id, trade_id, qty, remaining, price)
         JOIN trades t ON t.id = u.trade_id`,
      [
        account,
        symbol,
        lotIds,
        replay.lots.map((lot) => lot.tradeId),
        replay.lots.map((lot) => lot.qty),
        replay.lots.map((lot) => lot.remainingQty),
        replay.lots.map((lot) => lot.price),
      ],
    );
    await client.query(
      `INSERT INTO realized_pnl (account, symbol, qty, buy_price, sell_price, realized_pnl, lot_id, sell_trade_id)
       SELECT $1, $2, u.qty, u.buy_price, u.sell_price, u.pnl, u.lot_id, u.sell_trade_id
         FROM unnest($3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::bigint[], $8::bigint[])
              WITH ORDINALITY AS u(qty, buy_price, sell_price, pnl, lot_id, sell_trade_id, ord)
        ORDER BY u.ord`,
      [
        account,
        symbol,
        replay.entries.map((e) => e.qty),
        replay.entries.map((e) => e.buyPrice),
        replay.entries.map((e) => e.sellPrice),
        replay.entries.map((e) => e.realizedPnl),
        replay.entries.map((e) => lotId.get(e.lotKey) ?? null),
        replay.entries.map((e) => e.sellTradeId),
      ],
    );
    const summary = summarizePosition(replay.lots);
    const last = history.filter((t) => t.status === 'APPLIED').pop();
    await client.query(
      `INSERT INTO positions (account, symbol, open_qty, open_cost, realized_pnl, realized_entries,
                              last_executed_at, last_trade_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        account,
        symbol,
        summary.quantity,
        summary.costBasis,
        sumDecimals(replay.entries.map((e) => e.realizedPnl)),
        replay.entries.length,
        last?.executedAt ?? null,
        last?.id ?? null,
      ],
    );
    await client.query('COMMIT');
    return { account, symbol, trades: history };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** `count` ids from a table's identity sequence, ascending. */
async function drawIds(client: PoolClient, table: string, count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT nextval(pg_get_serial_sequence($1, 'id'))::text AS id FROM generate_series(1, $2::int)`,
    [table, count],
  );
  return rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

/**
 * `count` random trades of the seeded position (`shape` as for `randomTrades`), each executed between two
 * trades of the history picked at random among those from index `from` on: at a random millisecond of the
 * second after it. In list order they arrive in no particular execution order.
 */
export function tradesBackdatedInto(
  history: SeededHistory,
  seed: number,
  count: number,
  shape: RandomTradeShape,
  from = 0,
): SubmitTradeRequest[] {
  // Not the stream's own generator: where a trade lands must not follow from its size.
  const random = prng(seed + 1);
  return randomTrades(seed, count, [history.account], [history.symbol], shape).map((trade) => {
    const before = history.trades[randomInt(random, from, history.trades.length - 1)] as SeededTrade;
    const executedAt = new Date(Date.parse(before.executedAt) + randomInt(random, 1, 999));
    return { ...trade, executedAt: executedAt.toISOString() };
  });
}

export interface SettlementTiming {
  /** From `since` until the last trade settled. */
  elapsedMs: number;
  applied: number;
  rejected: number;
}

/**
 * Waits until every trade is APPLIED or REJECTED, polling PostgreSQL. Fails after `timeoutMs` saying how many
 * are still pending and how fast they went; warns (the test goes on) when it took longer than `budgetMs`, so
 * a slow matcher shows in the output of a passing run.
 */
export async function awaitSettlement(
  db: Pool,
  ids: readonly string[],
  options: { what: string; timeoutMs: number; budgetMs: number; since?: number },
): Promise<SettlementTiming> {
  const since = options.since ?? Date.now();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ pending: number; applied: number; rejected: number }>(
      `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
              count(*) FILTER (WHERE status = 'APPLIED')::int AS applied,
              count(*) FILTER (WHERE status = 'REJECTED')::int AS rejected
         FROM trades WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    const { pending = ids.length, applied = 0, rejected = 0 } = rows[0] ?? {};
    const elapsedMs = Date.now() - since;
    if (pending === 0 && applied + rejected === ids.length) {
      const line = `${options.what}: ${ids.length} trades settled in ${seconds(elapsedMs)} (${(elapsedMs / ids.length).toFixed(1)} ms a trade; ${applied} applied, ${rejected} rejected)`;
      if (elapsedMs > options.budgetMs) {
        console.warn(`SLOW: ${line}, over the budget of ${seconds(options.budgetMs)}`);
      } else {
        console.log(line);
      }
      return { elapsedMs, applied, rejected };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${options.what}: ${pending} of ${ids.length} trades still PENDING after ${seconds(elapsedMs)} ` +
          `(${applied + rejected} settled, the budget is ${seconds(options.budgetMs)})`,
      );
    }
    await sleep(250);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Evidence that a position's trades were applied out of arrival order. `arrivedLate`: APPLIED trades that
 * arrived (larger id) after an APPLIED trade executed later. `settledLate`: APPLIED trades settled more than
 * `marginMs` after an APPLIED trade executed later was settled, i.e. applied into a history that already went
 * past them (backdated), not merely sorted within one batch.
 */
export async function outOfOrderApplied(
  db: Pool,
  account: string,
  symbol: string,
  marginMs = 20,
): Promise<{ arrivedLate: number; settledLate: number }> {
  const { rows } = await db.query<{ arrived_late: number; settled_late: number }>(
    `WITH applied AS (
       SELECT id, executed_at, settled_at FROM trades
        WHERE account = $1 AND symbol = $2 AND status = 'APPLIED')
     SELECT count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM applied u WHERE u.id < t.id AND u.executed_at > t.executed_at))::int AS arrived_late,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM applied u WHERE u.executed_at > t.executed_at
                 AND u.settled_at < t.settled_at - make_interval(secs => $3::float8 / 1000)))::int AS settled_late
       FROM applied t`,
    [account, symbol, marginMs],
  );
  return { arrivedLate: rows[0]?.arrived_late ?? 0, settledLate: rows[0]?.settled_late ?? 0 };
}

export interface RealizedEntry {
  id: string;
  sellTradeId: string;
  lotId: string;
  qty: string;
  buyPrice: string;
  sellPrice: string;
  realizedPnl: string;
}

/** The realized P&L entries of the position's sells executed before `executedAt`, by id, as stored. */
export async function entriesOfSellsBefore(
  db: Pool,
  account: string,
  symbol: string,
  executedAt: string,
): Promise<RealizedEntry[]> {
  const { rows } = await db.query<RealizedEntry>(
    `SELECT e.id::text, e.sell_trade_id::text AS "sellTradeId", e.lot_id::text AS "lotId", e.qty::text,
            e.buy_price::text AS "buyPrice", e.sell_price::text AS "sellPrice", e.realized_pnl::text AS "realizedPnl"
       FROM realized_pnl e JOIN trades t ON t.id = e.sell_trade_id
      WHERE e.account = $1 AND e.symbol = $2 AND t.executed_at < $3
      ORDER BY e.id`,
    [account, symbol, executedAt],
  );
  return rows;
}
