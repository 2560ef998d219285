import { KafkaTopic, TradeSettledEvent, TradeSubmittedEvent } from '@lotwise/contracts';
import { canonicalDecimal, replayTrades } from '@lotwise/lot-engine';
import { join } from 'node:path';
import { PoolClient } from 'pg';
import { BackdateKind, BackdateRun, BenchContext } from '../context';
import { insertPendingTrades, truncateBooks, vacuumAnalyze } from '../db';
import { APP_TOPICS, recreateTopics, submittedMessage } from '../kafka';
import { AppProcess, startMatcher } from '../stack';
import { fmt, log, summarize } from '../stats';
import { recordPeaks } from './api';
import { SettledListener } from './sells';

export const BACKDATE_ACCOUNT = 'bench-backdate';
export const backdateSymbol = (trades: number): string => `B${trades}`;
/** Units of the first lot of every position; the alternating trades keep the FIFO queue this deep. */
const BASE_UNITS = 10;
/** Applied trades that execute after a backdated one. */
export const BACKDATE_DEPTH = 10;
const WARMUP = 3;
/** A trade not settled within this is abandoned, and that kind of trade is not tried again on its position. */
export const BACKDATE_TIMEOUT_MS = 60_000;
const SMALLEST_POSITION = 100;
/** Targets: backdated ≤ 2 × in-order (p50), flat within ±20 % over the sizes, matcher RSS ≤ 300 MB. */
export const BACKDATE_RATIO_TARGET = 2;
export const BACKDATE_FLAT_TARGET = 0.2;
export const BACKDATE_RSS_TARGET_MB = 300;

type Kind = 'inOrder' | 'backdated';
const KINDS: readonly Kind[] = ['inOrder', 'backdated'];
const KIND_NAME: Record<Kind, string> = { inOrder: 'in-order', backdated: 'backdated by 10' };

interface Sample {
  tradeId: string;
  ms: number;
  /** positions.updated_at → trades.settled_at; null when the trade did not move the position. */
  txMs: number | null;
  status: TradeSettledEvent['status'];
  rejectReason: string | null;
}

interface Position {
  trades: number;
  symbol: string;
  seedSeconds: number;
  samples: Record<Kind, Sample[]>;
  /** Set when a trade of that kind was abandoned: the kind is not tried again on this position. */
  stopped: Record<Kind, string | null>;
  fifoCheck: string | null;
}

/**
 * One position of `n` APPLIED trades, written with one INSERT … SELECT generate_series per table. Trade g
 * executes at start + g s: g = 0 buys BASE_UNITS, then odd g buy 1 and even g = 2k sell 1. FIFO, sell k takes
 * unit k of the queue: units 1-10 are the first lot's, unit 10 + j the lot of buy j (trade 2j − 1), so the
 * queue stays 10-11 units deep and every lot but the newest ~10 is closed. Lots, one realized P&L entry per
 * sell and the positions row are exactly what the FIFO engine produces (checked for the smallest position).
 */
async function seedPosition(ctx: BenchContext, symbol: string, n: number, start: Date): Promise<void> {
  const db = await ctx.db.connect();
  try {
    // The joins below hash a whole position: in memory rather than in batches on disk.
    await db.query("SET work_mem = '128MB'");
    await writePosition(db, symbol, n, start);
  } finally {
    await db.query('RESET work_mem').catch(() => undefined);
    db.release();
  }
}

async function writePosition(db: PoolClient, symbol: string, n: number, start: Date): Promise<void> {
  const at = start.toISOString();
  const sells = Math.floor((n - 1) / 2);
  await db.query(
    `INSERT INTO trades (account, symbol, qty, price, executed_at, received_at, status, settled_at)
     SELECT $1, $2, CASE WHEN g = 0 THEN $5::numeric WHEN g % 2 = 1 THEN 1 ELSE -1 END,
            CASE WHEN g > 0 AND g % 2 = 0 THEN 10.5 + (g % 10) ELSE 10 + (g % 90) END,
            $3::timestamptz + g * interval '1 second', now(), 'APPLIED', now()
       FROM generate_series(0, $4::int - 1) AS g`,
    [BACKDATE_ACCOUNT, symbol, at, n, BASE_UNITS],
  );
  // Fresh statistics before the joins below, or the planner guesses a nested loop over the whole position.
  await db.query('ANALYZE trades');
  await db.query(
    `INSERT INTO lots (account, symbol, trade_id, qty, remaining_qty, price, executed_at)
     SELECT account, symbol, id, qty,
            CASE WHEN g = 0 THEN greatest(0, $5::int - $4::int)
                 WHEN (g + 1) / 2 <= $4::int - $5::int THEN 0 ELSE 1 END,
            price, executed_at
       FROM (SELECT t.*, extract(epoch FROM t.executed_at - $3::timestamptz)::int AS g
               FROM trades t WHERE t.account = $1 AND t.symbol = $2 AND t.qty > 0) AS buys`,
    [BACKDATE_ACCOUNT, symbol, at, sells, BASE_UNITS],
  );
  await db.query('ANALYZE lots');
  await db.query(
    `INSERT INTO realized_pnl (account, symbol, qty, buy_price, sell_price, realized_pnl, lot_id, sell_trade_id)
     SELECT s.account, s.symbol, 1, l.price, s.price, (s.price - l.price) * 1, l.id, s.id
       FROM (SELECT t.*, extract(epoch FROM t.executed_at - $3::timestamptz)::int / 2 AS k
               FROM trades t WHERE t.account = $1 AND t.symbol = $2 AND t.qty < 0) AS s
       JOIN lots l ON l.account = s.account AND l.symbol = s.symbol
        AND l.executed_at = $3::timestamptz
            + (CASE WHEN s.k <= $4::int THEN 0 ELSE 2 * (s.k - $4::int) - 1 END) * interval '1 second'`,
    [BACKDATE_ACCOUNT, symbol, at, BASE_UNITS],
  );
  await db.query(
    `INSERT INTO positions (account, symbol, open_qty, open_cost, realized_pnl, realized_entries,
                            last_executed_at, last_trade_id)
     SELECT $1, $2,
            (SELECT sum(remaining_qty) FROM lots WHERE account = $1 AND symbol = $2),
            (SELECT sum(remaining_qty * price) FROM lots WHERE account = $1 AND symbol = $2),
            (SELECT COALESCE(sum(realized_pnl), 0) FROM realized_pnl WHERE account = $1 AND symbol = $2),
            (SELECT count(*) FROM realized_pnl WHERE account = $1 AND symbol = $2),
            newest.executed_at, newest.id
       FROM (SELECT executed_at, id FROM trades WHERE account = $1 AND symbol = $2 AND status = 'APPLIED'
              ORDER BY executed_at DESC, id DESC LIMIT 1) AS newest`,
    [BACKDATE_ACCOUNT, symbol],
  );
}

/** The lot engine's replay of the position's history against the books written: lots, entries, positions row. */
async function checkFifo(ctx: BenchContext, symbol: string): Promise<string> {
  const { db } = ctx;
  const key = [BACKDATE_ACCOUNT, symbol];
  const { rows: history } = await db.query<{ id: string; qty: string; price: string }>(
    `SELECT id::text, qty::text, price::text FROM trades
      WHERE account = $1 AND symbol = $2 AND status = 'APPLIED' ORDER BY executed_at, trades.id`,
    key,
  );
  const replay = replayTrades(history);
  const rejected = replay.outcomes.filter((o) => o.status !== 'APPLIED').length;
  const { rows: lots } = await db.query<{ tradeId: string; remaining: string }>(
    `SELECT trade_id::text AS "tradeId", remaining_qty::text AS remaining FROM lots
      WHERE account = $1 AND symbol = $2`,
    key,
  );
  const lotsWritten = new Map(lots.map((l) => [l.tradeId, canonicalDecimal(l.remaining)]));
  const lotsDiffer =
    lots.length !== replay.lots.length ||
    replay.lots.some((l) => lotsWritten.get(l.tradeId) !== l.remainingQty);
  const { rows: entries } = await db.query<{
    lot: string;
    sell: string;
    qty: string;
    buy: string;
    sold: string;
    pnl: string;
  }>(
    `SELECT l.trade_id::text AS lot, e.sell_trade_id::text AS sell, e.qty::text, e.buy_price::text AS buy,
            e.sell_price::text AS sold, e.realized_pnl::text AS pnl
       FROM realized_pnl e JOIN lots l ON l.id = e.lot_id
      WHERE e.account = $1 AND e.symbol = $2`,
    key,
  );
  const written = entries
    .map((e) => [e.lot, e.sell, e.qty, e.buy, e.sold, e.pnl].map((v) => canonicalDecimal(v)).join('|'))
    .sort();
  const replayed = replay.entries
    .map((e) => [e.lotKey, e.sellTradeId, e.qty, e.buyPrice, e.sellPrice, e.realizedPnl].join('|'))
    .sort();
  const entriesDiffer = written.length !== replayed.length || written.some((e, i) => e !== replayed[i]);
  const { rows: position } = await db.query<{ ok: boolean }>(
    `SELECT p.open_qty = (SELECT sum(remaining_qty) FROM lots WHERE account = $1 AND symbol = $2)
        AND p.open_cost = (SELECT sum(remaining_qty * price) FROM lots WHERE account = $1 AND symbol = $2)
        AND p.realized_pnl = (SELECT sum(realized_pnl) FROM realized_pnl WHERE account = $1 AND symbol = $2)
        AND p.realized_entries = (SELECT count(*) FROM realized_pnl WHERE account = $1 AND symbol = $2)
        AND (p.last_executed_at, p.last_trade_id) = (SELECT executed_at, id FROM trades
              WHERE account = $1 AND symbol = $2 ORDER BY executed_at DESC, id DESC LIMIT 1) AS ok
       FROM positions p WHERE p.account = $1 AND p.symbol = $2`,
    key,
  );
  const problems = [
    rejected > 0 ? `the replay rejects ${rejected} trades` : '',
    lotsDiffer ? 'lots differ from the replay' : '',
    entriesDiffer ? 'realized P&L entries differ from the replay' : '',
    position[0]?.ok === true ? '' : 'the positions row does not sum its lots and entries',
  ].filter((p) => p);
  if (problems.length > 0) {
    throw new Error(
      `backdate: the seeded ${symbol} books are not what FIFO produces: ${problems.join('; ')}`,
    );
  }
  return (
    `the lot engine's replay of the ${fmt(history.length)} trades gives the same ${fmt(lots.length)} lots ` +
    `and ${fmt(entries.length)} entries; the positions row sums them`
  );
}

/** executedAt of the next sample: after the newest applied trade, or between the 11th- and 10th-newest. */
async function nextExecutedAt(ctx: BenchContext, symbol: string, kind: Kind): Promise<Date> {
  const { rows } = await ctx.db.query<{ executed_at: Date }>(
    `SELECT executed_at FROM trades WHERE account = $1 AND symbol = $2 AND status = 'APPLIED'
      ORDER BY executed_at DESC, id DESC LIMIT $3`,
    [BACKDATE_ACCOUNT, symbol, BACKDATE_DEPTH + 1],
  );
  const newest = rows[0]?.executed_at;
  if (!newest) throw new Error(`backdate: position ${symbol} has no applied trade`);
  if (kind === 'inOrder') return new Date(newest.getTime() + 1000);
  const after = rows[BACKDATE_DEPTH]?.executed_at;
  const before = rows[BACKDATE_DEPTH - 1]?.executed_at;
  if (!after || !before || before.getTime() - after.getTime() < 2) {
    throw new Error(`backdate: no free millisecond between the 11th- and 10th-newest trades of ${symbol}`);
  }
  return new Date(after.getTime() + Math.floor((before.getTime() - after.getTime()) / 2));
}

/**
 * In the matcher's transaction: positions.updated_at (now() of the transaction that moved the position, i.e.
 * its start) → trades.settled_at (stamped once the books are written). Read right after the trade settled,
 * before the next trade on the position moves it again.
 */
async function transactionMs(ctx: BenchContext, tradeId: string): Promise<number | null> {
  const { rows } = await ctx.db.query<{ ms: number; moved: boolean }>(
    `SELECT extract(epoch FROM t.settled_at - p.updated_at) * 1000 AS ms, p.updated_at >= t.received_at AS moved
       FROM trades t JOIN positions p ON p.account = t.account AND p.symbol = t.symbol
      WHERE t.id = $1`,
    [tradeId],
  );
  const row = rows[0];
  return row?.moved ? Number(row.ms) : null;
}

function summarizeKind(samples: Sample[], stopped: string | null): BackdateKind {
  const applied = samples.filter((s) => s.status === 'APPLIED');
  return {
    samples: samples.length,
    latency: summarize(applied.map((s) => s.ms)),
    txLatency: summarize(applied.flatMap((s) => (s.txMs === null ? [] : [s.txMs]))),
    rejected: samples.length - applied.length,
    rejectReason: samples.find((s) => s.rejectReason !== null)?.rejectReason ?? null,
    stopped,
  };
}

/**
 * Backdating cost: positions of 1,000 / 100,000 / 1,000,000 APPLIED trades (seeded directly), then one trade
 * at a time, positions and kinds in turn, buys and sells of 1 unit alternating: an in-order trade, and a trade
 * backdated so that exactly 10 applied trades execute after it. Each is timed submit → settled event and in
 * the matcher's transaction (positions.updated_at, now() of that transaction → trades.settled_at).
 */
export async function measureBackdate(ctx: BenchContext): Promise<BackdateRun[]> {
  const { config, db, sampler } = ctx;
  const sizes = [...new Set(config.backdateTrades)].sort((a, b) => a - b);
  if (sizes.some((n) => n < SMALLEST_POSITION)) {
    throw new Error(`--backdate-trades: every position needs at least ${SMALLEST_POSITION} trades`);
  }
  await truncateBooks(db);
  await recreateTopics(ctx.admin, APP_TOPICS);
  const positions: Position[] = [];
  for (const n of sizes) {
    const symbol = backdateSymbol(n);
    // Whole seconds apart, ending a day ago: a backdated trade always finds a free millisecond.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - (n + 86_400) * 1000);
    const started = performance.now();
    await seedPosition(ctx, symbol, n, start);
    const seedSeconds = (performance.now() - started) / 1000;
    log(
      `backdate: ${symbol}: ${fmt(n)} applied trades, their lots and entries written in ${fmt(seedSeconds)} s`,
    );
    positions.push({
      trades: n,
      symbol,
      seedSeconds,
      samples: { inOrder: [], backdated: [] },
      stopped: { inOrder: null, backdated: null },
      fifoCheck: null,
    });
  }
  await vacuumAnalyze(db);
  const smallest = positions[0];
  if (smallest) {
    smallest.fifoCheck = await checkFifo(ctx, smallest.symbol);
    log(`backdate: ${smallest.symbol}: ${smallest.fifoCheck}`);
  }

  const groupId = `bench-backdate-${Date.now()}`;
  const logDir = join(ctx.logDir, 'backdate');
  const { listener, stop: stopListener } = await SettledListener.start(ctx);
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let matcher: AppProcess = await startMatcher(config, logDir, 0, groupId);
  sampler.resetPeaks();
  sampler.track('matcher', () => [matcher.pid]);
  const rounds = WARMUP + config.backdateSamples;
  try {
    log(
      `backdate: ${config.backdateSamples} in-order and ${config.backdateSamples} backdated trades ` +
        `(+${WARMUP} warm-up each) per position, one at a time…`,
    );
    for (let j = 0; j < rounds; j++) {
      for (const kind of j % 2 === 0 ? KINDS : [...KINDS].reverse()) {
        for (const position of positions) {
          if (position.stopped[kind]) continue;
          const executedAt = await nextExecutedAt(ctx, position.symbol, kind);
          const buy = j % 2 === 0;
          const trade = {
            account: BACKDATE_ACCOUNT,
            symbol: position.symbol,
            qty: buy ? '1' : '-1',
            price: buy ? '20' : '25',
            executedAt,
          };
          const receivedAt = new Date();
          const [tradeId] = await insertPendingTrades(db, [trade], receivedAt);
          if (!tradeId) throw new Error('backdate: the trade was not recorded');
          const event: TradeSubmittedEvent = {
            eventVersion: 1,
            tradeId,
            account: trade.account,
            symbol: trade.symbol,
            qty: trade.qty,
            price: trade.price,
            executedAt: executedAt.toISOString(),
            receivedAt: receivedAt.toISOString(),
          };
          const running = matcher;
          const settled = listener.wait(tradeId, BACKDATE_TIMEOUT_MS);
          const started = performance.now();
          await producer.send({
            topic: KafkaTopic.TradeSubmitted,
            acks: -1,
            messages: [submittedMessage(event)],
          });
          const outcome = await Promise.race([
            settled,
            running.exited.then((code) => `the matcher exited (${String(code)})`),
          ]).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
          const ms = performance.now() - started;
          if (typeof outcome === 'string') {
            position.stopped[kind] = `trade ${tradeId} (round ${j + 1}): ${outcome}`;
            log(`backdate: ${position.symbol}: no more ${KIND_NAME[kind]} trades: ${position.stopped[kind]}`);
            matcher = await abandon(ctx, running, tradeId, () => startMatcher(config, logDir, 0, groupId));
            continue;
          }
          if (j >= WARMUP) {
            const txMs = await transactionMs(ctx, tradeId);
            position.samples[kind].push({
              tradeId,
              ms,
              txMs,
              status: outcome.status,
              rejectReason: outcome.rejectReason ?? null,
            });
          }
        }
      }
      if ((j + 1) % 10 === 0) log(`backdate: ${j + 1}/${rounds} rounds`);
    }
  } finally {
    await matcher.stop();
    await producer.disconnect();
    await stopListener();
  }
  recordPeaks(ctx, 'backdate');
  sampler.untrack('matcher');

  const runs = positions.map((position): BackdateRun => ({
    trades: position.trades,
    seedSeconds: position.seedSeconds,
    inOrder: summarizeKind(position.samples.inOrder, position.stopped.inOrder),
    backdated: summarizeKind(position.samples.backdated, position.stopped.backdated),
    fifoCheck: position.fifoCheck,
  }));
  for (const run of runs) {
    const kind = (k: BackdateKind): string =>
      `p50 ${fmt(k.txLatency.p50)} / ${fmt(k.latency.p50)} ms, p99 ${fmt(k.txLatency.p99)} / ${fmt(k.latency.p99)} ms`;
    log(
      `backdate: ${fmt(run.trades)} trades (in the transaction / submit → settled): in order ${kind(run.inOrder)}; ` +
        `backdated by ${BACKDATE_DEPTH} ${kind(run.backdated)}` +
        (run.inOrder.stopped ? `; in-order STOPPED: ${run.inOrder.stopped}` : '') +
        (run.backdated.stopped ? `; backdated STOPPED: ${run.backdated.stopped}` : ''),
    );
  }
  return runs;
}

/**
 * After a wait gave up: stop the matcher (it may still be replaying), settle the abandoned trade as REJECTED so
 * the restarted matcher skips its redelivered event, and start a new matcher in the same group.
 */
async function abandon(
  ctx: BenchContext,
  matcher: AppProcess,
  tradeId: string,
  restart: () => Promise<AppProcess>,
): Promise<AppProcess> {
  await matcher.stop();
  await ctx.db.query(
    `UPDATE trades SET status = 'REJECTED', reject_reason = 'abandoned by the bench after a timeout',
            settled_at = clock_timestamp()
      WHERE id = $1 AND status = 'PENDING'`,
    [tradeId],
  );
  return restart();
}
