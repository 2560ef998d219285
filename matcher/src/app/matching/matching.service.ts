import { TradeStatus } from '@lotwise/contracts';
import {
  BookSnapshot,
  compareExecutionOrder,
  ExecutionOrderKey,
  OpenLot,
  rewindBook,
  RunSettlement,
  RunTrade,
  settleRun,
} from '@lotwise/lot-engine';
import { canonicalNumeric, PositionEntity, TradeEntity } from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PermanentMatchingError } from './matching.errors';

export interface Settlement {
  trade: SettledTrade;
  /** False when the trade had been settled before: a redelivered event, nothing changed. */
  changed: boolean;
}

/** What the event says the trade is; it must match the recorded row. */
export interface ExpectedTrade {
  account: string;
  symbol: string;
  qty: string;
  price: string;
}

/** One event of a batch: the trade it names and what it says that trade is. */
export interface SettleRequest {
  tradeId: string;
  expected: ExpectedTrade;
}

/** What the settled event needs to say about a trade. */
export interface SettledTrade {
  id: string;
  account: string;
  symbol: string;
  status: TradeStatus;
  rejectReason: string | null;
  settledAt: Date | null;
}

export type BatchResult =
  | { kind: 'settled'; trade: SettledTrade; changed: boolean }
  /** The event names no recorded trade, or contradicts it: it can never apply. */
  | { kind: 'unmatched'; reason: string };

/** A trade row as the matcher reads it: executed_at as text, because Date drops the microseconds. */
interface TradeRow {
  id: string;
  account: string;
  symbol: string;
  qty: string;
  price: string;
  executedAt: string;
}

type LockedTrade = TradeRow & SettledTrade;

interface LockedPosition {
  account: string;
  symbol: string;
  openQty: string;
  openCost: string;
  realizedPnl: string;
  realizedEntries: string;
  lastExecutedAt: string | null;
  lastTradeId: string | null;
}

interface LotRow {
  id: string;
  account: string;
  symbol: string;
  tradeId: string;
  qty: string;
  remainingQty: string;
  price: string;
  executedAt: string;
}

interface PositionKeyed {
  account: string;
  symbol: string;
}

interface EntryRow {
  id: string;
  lotId: string;
  sellTradeId: string;
  qty: string;
  buyPrice: string;
  realizedPnl: string;
}

/**
 * One position's part of a batch. `book` is the position where the run starts: as it stands for trades after its
 * last applied one, rewound to the earliest pending trade for a backdated run. `bookLots` are the lots in the
 * book's loaded prefix as the database holds them now (their remaining differs from the book's once rewound).
 */
interface PositionRun {
  account: string;
  symbol: string;
  /** Pending trades, in execution order. */
  pending: LockedTrade[];
  /** Pending trades refused before settling: backdated behind more than maxReplayTrades applied ones. */
  refused: { trade: LockedTrade; reason: string }[];
  position: LockedPosition;
  /** The applied trades executed after the earliest pending one (empty unless backdated), in execution order. */
  later: TradeRow[];
  /** Their P&L entries. */
  laterEntries: EntryRow[];
  /** The lots the later buys opened, by trade id. */
  laterLots: Map<string, LotRow>;
  book: BookSnapshot;
  bookLots: LotRow[];
  /** The book's lots past the restored ones are loaded up to here (exclusive): the run's first trade. */
  before: TradeRow | null;
  allLotsLoaded: boolean;
  settlement?: RunSettlement;
}

/** What the write statement reports: rows written per kind, and each settled trade's settled_at. */
interface WrittenRuns {
  opened: number;
  reduced: number;
  entries: number;
  rewritten: number;
  dropped: number;
  moved: number;
  settledAt: Record<string, string>;
}

/** timestamptz as ISO-8601 UTC with all six fractional digits. */
const isoUtc = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const LOT_COLUMNS = `l.id::text AS id, l.account, l.symbol, l.trade_id::text AS "tradeId", l.qty::text AS qty,
  l.remaining_qty::text AS "remainingQty", l.price::text AS price, ${isoUtc('l.executed_at')} AS "executedAt"`;

/**
 * The most applied trades one settlement replays. A trade backdated behind more of its position's history than
 * this is rejected with that reason rather than loading an unbounded history into a heap capped at 160 MB (a
 * crash there would redeliver the same event forever). Measured: a replay of 30,000 trades peaks ~110 MB above
 * the baseline (~3.6 KB per trade), of 10,000 ~30 MB; 25,000 leaves room for the rest of the process.
 */
export const MAX_REPLAY_TRADES = 25_000;

/** First batch of lots a sell locks; doubled until the sell is covered, so a sell locks only what it consumes. */
const FIRST_LOT_BATCH = 8;

/**
 * Settles trades into the books. Every settlement, a chunk of a partition or one trade isolated after a failure,
 * in order or backdated, is the same set-based step over each position's run; lock order is always trade rows →
 * position rows → lots, so two matchers working on the same position serialise instead of deadlocking.
 */
@Injectable()
export class MatchingService {
  /** See MAX_REPLAY_TRADES; lowered by tests. */
  maxReplayTrades = MAX_REPLAY_TRADES;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Settles a batch of events in one transaction with a fixed number of statements whatever its size: lock the
   * trades, then their positions; for positions with a backdated trade, read what was applied after it (trades,
   * their entries) and lock the lots those touch; lock the oldest open lots each run needs (one query for all
   * positions); the lot engine settles each position's pending trades in execution order, a backdated run
   * together with what came after it; one statement of data-modifying CTEs writes the difference. Work is
   * proportional to the batch and to what happened after its earliest trade, never to the whole history.
   * Results are in request order. Throws only for failures of the whole batch (database, bugs).
   */
  settleBatch(requests: readonly SettleRequest[]): Promise<BatchResult[]> {
    return this.dataSource.transaction(async (manager) => {
      const results: (BatchResult | undefined)[] = new Array(requests.length);
      const trades = await this.lockTrades(manager, requests);
      const grouped = new Map<string, LockedTrade[]>();
      const echoes: { index: number; tradeId: string }[] = [];
      const pending = new Set<string>();
      requests.forEach((request, index) => {
        const trade = trades.get(request.tradeId);
        if (!trade) {
          results[index] = { kind: 'unmatched', reason: `trade ${request.tradeId} is not recorded` };
        } else if (!sameTrade(trade, request.expected)) {
          results[index] = { kind: 'unmatched', reason: `event does not match recorded trade ${trade.id}` };
        } else if (trade.status !== TradeStatus.Pending || pending.has(trade.id)) {
          // Settled before (a redelivery), or named twice in this batch: announced again as it ends up.
          echoes.push({ index, tradeId: trade.id });
        } else {
          pending.add(trade.id);
          const key = positionKey(trade);
          const run = grouped.get(key);
          if (run) run.push(trade);
          else grouped.set(key, [trade]);
        }
      });
      const changed = new Map<string, SettledTrade>();
      if (grouped.size > 0) {
        const runs = await this.prepareRuns(manager, grouped);
        for (const trade of await this.settleRuns(manager, runs)) changed.set(trade.id, trade);
      }
      for (const [index, request] of requests.entries()) {
        if (results[index]) continue;
        const trade = changed.get(request.tradeId);
        if (trade) results[index] = { kind: 'settled', trade, changed: true };
      }
      for (const { index, tradeId } of echoes) {
        const trade = changed.get(tradeId) ?? trades.get(tradeId);
        if (trade) results[index] = { kind: 'settled', trade, changed: false };
      }
      return results.map((result, index) => {
        if (!result) throw new Error(`no result for trade ${requests[index]?.tradeId}`);
        return result;
      });
    });
  }

  /** Settles one trade in a transaction of its own (the path for a batch that failed as a whole): the same step. */
  async settle(tradeId: string, expected: ExpectedTrade): Promise<Settlement> {
    const [result] = await this.settleBatch([{ tradeId, expected }]);
    if (!result) throw new Error(`no result for trade ${tradeId}`);
    if (result.kind === 'unmatched') throw new PermanentMatchingError(result.reason);
    return { trade: result.trade, changed: result.changed };
  }

  /** Marks a trade that can never be applied (after repeated internal failures) as rejected, with the reason. */
  async rejectUnprocessable(tradeId: string, reason: string): Promise<TradeEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      const trade = await manager
        .getRepository(TradeEntity)
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.id = :tradeId', { tradeId })
        .getOne();
      if (!trade || trade.status !== TradeStatus.Pending) return null;
      trade.status = TradeStatus.Rejected;
      trade.rejectReason = reason;
      trade.settledAt = new Date();
      await manager
        .getRepository(TradeEntity)
        .update({ id: trade.id }, { status: trade.status, rejectReason: reason, settledAt: trade.settledAt });
      return trade;
    });
  }

  private async lockTrades(
    manager: EntityManager,
    requests: readonly SettleRequest[],
  ): Promise<Map<string, LockedTrade>> {
    const ids = [...new Set(requests.map((r) => r.tradeId))];
    const rows = await manager
      .getRepository(TradeEntity)
      .createQueryBuilder('t')
      .select('t.id::text', 'id')
      .addSelect('t.account', 'account')
      .addSelect('t.symbol', 'symbol')
      .addSelect('t.qty::text', 'qty')
      .addSelect('t.price::text', 'price')
      .addSelect(isoUtc('t.executed_at'), 'executedAt')
      .addSelect('t.status', 'status')
      .addSelect('t.reject_reason', 'rejectReason')
      .addSelect('t.settled_at', 'settledAt')
      .where('t.id = ANY(CAST(:ids AS bigint[]))', { ids })
      .orderBy('t.id')
      .setLock('pessimistic_write')
      .getRawMany<LockedTrade>();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Locks the positions, then brings each backdated one's book back to its earliest pending trade. */
  private async prepareRuns(
    manager: EntityManager,
    grouped: ReadonlyMap<string, LockedTrade[]>,
  ): Promise<PositionRun[]> {
    const positions = await this.lockPositions(manager, [...grouped.keys()]);
    const runs: PositionRun[] = [];
    for (const [key, trades] of grouped) {
      const position = positions.get(key);
      if (!position) throw new Error(`position ${key} was not created`);
      const sorted = [...trades].sort((a, b) => compareExecutionOrder(orderKey(a), orderKey(b)));
      const first = sorted[0] as LockedTrade;
      const last = lastApplied(position);
      const backdated = last !== null && compareExecutionOrder(orderKey(first), last) < 0;
      runs.push({
        account: first.account,
        symbol: first.symbol,
        pending: sorted,
        refused: [],
        position,
        later: [],
        laterEntries: [],
        laterLots: new Map(),
        book: {
          openQty: canonicalNumeric(position.openQty),
          openCost: canonicalNumeric(position.openCost),
          realizedPnl: canonicalNumeric(position.realizedPnl),
          realizedEntries: Number(position.realizedEntries),
          lots: [],
        },
        bookLots: [],
        before: backdated ? first : null,
        allLotsLoaded: false,
      });
    }
    await this.rewindBackdated(
      manager,
      runs.filter((run) => run.before !== null),
    );
    return runs;
  }

  /** Creates missing position rows, then locks all of the batch's in one statement, in key order. */
  private async lockPositions(
    manager: EntityManager,
    keys: readonly string[],
  ): Promise<Map<string, LockedPosition>> {
    // Accounts and symbols cannot contain '|' (their grammar), so the key splits back unambiguously.
    const sorted = keys
      .map((key) => ({ account: key.slice(0, key.indexOf('|')), symbol: key.slice(key.indexOf('|') + 1) }))
      .sort(compareKeys);
    const accounts = sorted.map((key) => key.account);
    const symbols = sorted.map((key) => key.symbol);
    await manager.query(
      `INSERT INTO positions (account, symbol)
       SELECT * FROM unnest($1::varchar[], $2::varchar[]) ON CONFLICT (account, symbol) DO NOTHING`,
      [accounts, symbols],
    );
    const rows = await manager
      .getRepository(PositionEntity)
      .createQueryBuilder('p')
      .select('p.account', 'account')
      .addSelect('p.symbol', 'symbol')
      .addSelect('p.open_qty::text', 'openQty')
      .addSelect('p.open_cost::text', 'openCost')
      .addSelect('p.realized_pnl::text', 'realizedPnl')
      .addSelect('p.realized_entries::text', 'realizedEntries')
      .addSelect(isoUtc('p.last_executed_at'), 'lastExecutedAt')
      .addSelect('p.last_trade_id::text', 'lastTradeId')
      .where(
        '(p.account, p.symbol) IN (SELECT * FROM unnest(CAST(:accounts AS varchar[]), CAST(:symbols AS varchar[])))',
        { accounts, symbols },
      )
      .orderBy('p.account')
      .addOrderBy('p.symbol')
      .setLock('pessimistic_write')
      .getRawMany<LockedPosition>();
    return new Map(rows.map((row) => [positionKey(row), row]));
  }

  /**
   * For runs whose earliest pending trade executed before the position's last applied one: read the applied
   * trades after it and their entries, lock the lots those touch, and rewind the book to that point. Three
   * statements for all such runs, each reading only what happened after the point (index range scans).
   */
  private async rewindBackdated(manager: EntityManager, backdated: readonly PositionRun[]): Promise<void> {
    if (backdated.length === 0) return;
    // One round trip: the applied trades after each run's first one (newest first and at most one past the
    // limit, so a trade backdated too deep costs no more than the limit), their sells' entries, and the lots
    // those entries consumed or their buys opened, locked. '= ANY(ARRAY(…))' rather than 'IN (…)': with IN the
    // planner hash-joins or filters a scan of the whole lots table (45 ms at 80,000 lots instead of 0.2 ms).
    const [history]: [{ later: TradeRow[]; entries: (EntryRow & PositionKeyed)[]; lots: LotRow[] }] =
      await manager.query(
        `WITH later AS (
           SELECT t.* FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::bigint[])
                  AS p(account, symbol, at, id)
           CROSS JOIN LATERAL (
             SELECT * FROM trades
              WHERE account = p.account AND symbol = p.symbol AND status = 'APPLIED'
                AND (executed_at, id) > (p.at, p.id)
              ORDER BY executed_at DESC, id DESC
              LIMIT $5::int + 1
           ) t),
         entries AS (
           SELECT * FROM realized_pnl WHERE sell_trade_id = ANY(ARRAY(SELECT id FROM later WHERE qty < 0))),
         touched AS (
           SELECT * FROM lots
            WHERE id = ANY(ARRAY(SELECT lot_id FROM entries))
               OR trade_id = ANY(ARRAY(SELECT id FROM later WHERE qty > 0))
            ORDER BY id
              FOR UPDATE)
         SELECT
           (SELECT COALESCE(json_agg(json_build_object('id', id::text, 'account', account, 'symbol', symbol,
                     'qty', qty::text, 'price', price::text, 'executedAt', ${isoUtc('executed_at')})
                     ORDER BY account, symbol, executed_at, id), '[]') FROM later) AS later,
           (SELECT COALESCE(json_agg(json_build_object('id', id::text, 'account', account, 'symbol', symbol,
                     'lotId', lot_id::text, 'sellTradeId', sell_trade_id::text, 'qty', qty::text,
                     'buyPrice', buy_price::text, 'realizedPnl', realized_pnl::text)), '[]') FROM entries) AS entries,
           (SELECT COALESCE(json_agg(json_build_object('id', id::text, 'account', account, 'symbol', symbol,
                     'tradeId', trade_id::text, 'qty', qty::text, 'remainingQty', remaining_qty::text,
                     'price', price::text, 'executedAt', ${isoUtc('executed_at')})), '[]') FROM touched) AS lots`,
        [
          backdated.map((run) => run.account),
          backdated.map((run) => run.symbol),
          backdated.map((run) => run.before?.executedAt),
          backdated.map((run) => run.before?.id),
          this.maxReplayTrades,
        ],
      );
    const byKey = new Map(backdated.map((run) => [positionKey(run), run]));
    for (const trade of history.later) byKey.get(positionKey(trade))?.later.push(trade);
    for (const run of backdated) this.refuseTooDeep(run);
    const runs = backdated.filter((run) => run.before !== null);
    // A run cut short by refuseTooDeep replays fewer sells than were read: keep only its sells' entries.
    const replayedSells = new Set(runs.flatMap((run) => run.later.filter(isSell).map((trade) => trade.id)));
    for (const entry of history.entries) {
      if (replayedSells.has(entry.sellTradeId)) byKey.get(positionKey(entry))?.laterEntries.push(entry);
    }
    const lots = history.lots;
    const lotById = new Map(lots.map((lot) => [lot.id, lot]));
    for (const run of runs) {
      const laterBuys = new Set(run.later.filter((trade) => !isSell(trade)).map((trade) => trade.id));
      for (const lot of lots) {
        if (laterBuys.has(lot.tradeId) && positionKey(lot) === positionKey(run))
          run.laterLots.set(lot.tradeId, lot);
      }
      const touched = [...new Set(run.laterEntries.map((entry) => entry.lotId))].map((id) => {
        const lot = lotById.get(id);
        if (!lot) throw new Error(`realized entry names lot ${id}, which does not exist`);
        return lot;
      });
      run.bookLots = touched.filter((lot) => !laterBuys.has(lot.tradeId)).sort(compareLots);
      run.book = rewindBook({
        ...run.book,
        trades: run.later.map(engineTrade),
        entries: run.laterEntries.map((entry) => {
          const lot = lotById.get(entry.lotId) as LotRow;
          return {
            lotKey: laterBuys.has(lot.tradeId) ? lot.tradeId : lotKey(lot),
            sellTradeId: entry.sellTradeId,
            qty: canonicalNumeric(entry.qty),
            buyPrice: canonicalNumeric(entry.buyPrice),
            realizedPnl: canonicalNumeric(entry.realizedPnl),
          };
        }),
        lots: run.bookLots.map(loadedOpenLot),
      });
    }
  }

  /**
   * When a run's earliest trades are backdated behind more than maxReplayTrades applied trades (the query
   * stopped one past the limit), refuses those trades and starts the run at the first trade left; the applied
   * trades before that point are dropped from the replay. A run left with no backdated trade is in order.
   */
  private refuseTooDeep(run: PositionRun): void {
    const oldest = run.later[0];
    if (!oldest || run.later.length <= this.maxReplayTrades) return;
    const reason = `backdated trade would replay more than ${this.maxReplayTrades} applied trades of ${run.account}/${run.symbol}, the most one settlement replays`;
    while (run.pending[0] && compareExecutionOrder(orderKey(run.pending[0]), orderKey(oldest)) < 0) {
      run.refused.push({ trade: run.pending.shift() as LockedTrade, reason });
    }
    const first = run.pending[0];
    const last = lastApplied(run.position);
    if (!first || !last || compareExecutionOrder(orderKey(first), last) > 0) {
      run.before = null;
      run.later = [];
      return;
    }
    run.before = first;
    run.later = run.later.filter((trade) => compareExecutionOrder(orderKey(trade), orderKey(first)) > 0);
  }

  /** The lot engine decides every run; a fixed number of set-based statements write the difference. */
  private async settleRuns(manager: EntityManager, runs: readonly PositionRun[]): Promise<SettledTrade[]> {
    // A sell consumes one lot or a few: lock that many to start with, more only if the engine asks.
    const sellsOf = (run: PositionRun) => run.pending.filter(isSell).length + run.later.filter(isSell).length;
    await this.lockLots(
      manager,
      runs.filter((run) => run.pending.length > 0 && sellsOf(run) > 0),
      (run) => FIRST_LOT_BATCH + 2 * run.pending.filter(isSell).length,
    );
    for (const run of runs) {
      if (run.pending.length === 0) continue;
      const trades = runTrades(run);
      for (let limit = FIRST_LOT_BATCH; ; limit *= 2) {
        const restored = run.book.lots.length;
        const book = {
          ...run.book,
          lots: [...run.book.lots, ...run.bookLots.slice(restored).map(loadedOpenLot)],
        };
        const outcome = settleRun(book, trades);
        if (outcome.kind === 'settled') {
          run.settlement = outcome;
          break;
        }
        if (run.allLotsLoaded) {
          // positions.open_qty says the lots cover the sell; they do not. Never guess with money.
          throw new Error(
            `books inconsistent for ${run.account}/${run.symbol}: open_qty ${run.position.openQty} exceeds open lots`,
          );
        }
        await this.lockLots(manager, [run], () => limit);
      }
    }
    return this.writeRuns(manager, runs);
  }

  /**
   * Locks (FOR UPDATE) the next `limit(run)` open lots of each run's position in FIFO order, after those already
   * in its book and, for a backdated run, opened before its first trade: one statement for all positions, each
   * an index range scan of lots_open_fifo.
   */
  private async lockLots(
    manager: EntityManager,
    runs: readonly PositionRun[],
    limit: (run: PositionRun) => number,
  ): Promise<void> {
    if (runs.length === 0) return;
    const after = runs.map((run) => run.bookLots[run.bookLots.length - 1]);
    const rows: LotRow[] = await manager.query(
      `SELECT ${LOT_COLUMNS}
         FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::timestamptz[], $5::bigint[], $6::timestamptz[],
                     $7::bigint[])
              AS p(account, symbol, n, after_at, after_trade, before_at, before_trade)
         CROSS JOIN LATERAL (
           SELECT * FROM lots
            WHERE account = p.account AND symbol = p.symbol AND remaining_qty > 0
              AND (p.after_at IS NULL OR (executed_at, trade_id) > (p.after_at, p.after_trade))
              AND (p.before_at IS NULL OR (executed_at, trade_id) < (p.before_at, p.before_trade))
            ORDER BY executed_at, trade_id
            LIMIT p.n
              FOR UPDATE
         ) l
        ORDER BY l.account, l.symbol, l.executed_at, l.trade_id`,
      [
        runs.map((run) => run.account),
        runs.map((run) => run.symbol),
        runs.map(limit),
        after.map((lot) => lot?.executedAt ?? null),
        after.map((lot) => lot?.tradeId ?? null),
        runs.map((run) => run.before?.executedAt ?? null),
        runs.map((run) => run.before?.id ?? null),
      ],
    );
    const byKey = new Map<string, LotRow[]>();
    for (const row of rows) {
      const loaded = byKey.get(positionKey(row));
      if (loaded) loaded.push(row);
      else byKey.set(positionKey(row), [row]);
    }
    for (const run of runs) {
      const loaded = byKey.get(positionKey(run)) ?? [];
      run.bookLots.push(...loaded);
      run.allLotsLoaded = loaded.length < limit(run);
    }
  }

  /**
   * Writes what the engine decided for every run in ONE statement of data-modifying CTEs, only the difference:
   * insert the lots new buys open, set the remaining quantity of existing lots that changed, insert, rewrite or
   * drop P&L entries (an entry is its sell and lot: one the replay leaves as it was keeps its row and id, one
   * whose quantity changed is rewritten in place and keeps its id, one on a lot opened in this batch finds the
   * lot's id through the insert's RETURNING), move the positions and settle the trades. Foreign keys are
   * checked at the end of the statement. The counts it returns are checked: a row that was not written is an
   * error, never a silent gap in the books.
   */
  private async writeRuns(manager: EntityManager, runs: readonly PositionRun[]): Promise<SettledTrade[]> {
    const opened: { tradeId: string; remaining: string }[] = [];
    const reduced: { id: string; remaining: string }[] = [];
    const inserted: { run: PositionRun; lotId: string | null; lotTradeId: string | null; entry: Drafted }[] =
      [];
    const rewritten: { id: string; entry: Drafted }[] = [];
    const dropped: string[] = [];
    const moved: { run: PositionRun; settlement: RunSettlement; lastTradeId: string }[] = [];
    const outcomes: { tradeId: string; status: string; reason: string | null }[] = [];
    for (const run of runs) {
      for (const { trade, reason } of run.refused) {
        outcomes.push({ tradeId: trade.id, status: 'REJECTED', reason });
      }
      if (run.pending.length === 0) continue;
      const settlement = run.settlement;
      if (!settlement) throw new Error(`run ${positionKey(run)} was not settled`);
      for (const o of settlement.outcomes) {
        outcomes.push({
          tradeId: o.tradeId,
          status: o.status,
          reason: o.status === 'REJECTED' ? (o.reason ?? 'rejected') : null,
        });
      }
      if (!settlement.outcomes.some((o) => o.status === 'APPLIED')) continue; // nothing else changes
      const lotIds = new Map<string, string>();
      const after = new Map(settlement.reducedLots.map((lot) => [lot.key, lot.remainingQty]));
      run.book.lots.forEach((lot, index) => {
        const row = run.bookLots[index] as LotRow;
        lotIds.set(lot.key, row.id);
        const remaining = after.get(lot.key) ?? lot.remainingQty;
        if (remaining !== canonicalNumeric(row.remainingQty)) reduced.push({ id: row.id, remaining });
      });
      for (const row of run.bookLots.slice(run.book.lots.length)) {
        lotIds.set(lotKey(row), row.id);
        const remaining = after.get(lotKey(row));
        if (remaining !== undefined) reduced.push({ id: row.id, remaining });
      }
      for (const lot of settlement.openedLots) {
        const row = run.laterLots.get(lot.tradeId);
        if (!row) opened.push({ tradeId: lot.tradeId, remaining: lot.remainingQty });
        else {
          lotIds.set(lot.key, row.id);
          if (lot.remainingQty !== canonicalNumeric(row.remainingQty))
            reduced.push({ id: row.id, remaining: lot.remainingQty });
        }
      }
      const old = new Map(run.laterEntries.map((entry) => [`${entry.sellTradeId}|${entry.lotId}`, entry]));
      for (const entry of settlement.entries) {
        const lotId = lotIds.get(entry.lotKey) ?? null;
        const existing = lotId === null ? undefined : old.get(`${entry.sellTradeId}|${lotId}`);
        if (!existing) {
          inserted.push({ run, lotId, lotTradeId: lotId === null ? entry.lotKey : null, entry });
          continue;
        }
        old.delete(`${entry.sellTradeId}|${lotId}`);
        if (canonicalNumeric(existing.qty) !== entry.qty) rewritten.push({ id: existing.id, entry });
      }
      dropped.push(...[...old.values()].map((entry) => entry.id));
      if (settlement.lastAppliedId) moved.push({ run, settlement, lastTradeId: settlement.lastAppliedId });
    }
    const [written]: [WrittenRuns] = await manager.query(
      `WITH opened AS (
         INSERT INTO lots (account, symbol, trade_id, qty, remaining_qty, price, executed_at)
         SELECT t.account, t.symbol, t.id, t.qty, u.remaining, t.price, t.executed_at
           FROM unnest($1::bigint[], $2::numeric[]) WITH ORDINALITY AS u(trade_id, remaining, ord)
           JOIN trades t ON t.id = u.trade_id
          ORDER BY u.ord
         RETURNING id, trade_id),
       reduced AS (
         UPDATE lots SET remaining_qty = u.remaining
           FROM unnest($3::bigint[], $4::numeric[]) AS u(id, remaining) WHERE lots.id = u.id
         RETURNING lots.id),
       entries AS (
         INSERT INTO realized_pnl (account, symbol, qty, buy_price, sell_price, realized_pnl, lot_id, sell_trade_id)
         SELECT u.account, u.symbol, u.qty, u.buy_price, u.sell_price, u.realized_pnl, COALESCE(u.lot_id, o.id),
                u.sell_trade_id
           FROM unnest($5::varchar[], $6::varchar[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[],
                       $11::bigint[], $12::bigint[], $13::bigint[]) WITH ORDINALITY
                AS u(account, symbol, qty, buy_price, sell_price, realized_pnl, lot_id, lot_trade_id, sell_trade_id, ord)
           LEFT JOIN opened o ON o.trade_id = u.lot_trade_id
          ORDER BY u.ord
         RETURNING id),
       rewritten AS (
         UPDATE realized_pnl e SET qty = u.qty, realized_pnl = u.realized_pnl
           FROM unnest($14::bigint[], $15::numeric[], $16::numeric[]) AS u(id, qty, realized_pnl) WHERE e.id = u.id
         RETURNING e.id),
       dropped AS (
         DELETE FROM realized_pnl WHERE id = ANY($17::bigint[])
         RETURNING id),
       moved AS (
         UPDATE positions p SET open_qty = u.open_qty, open_cost = u.open_cost, realized_pnl = u.realized,
                realized_entries = u.entries, last_executed_at = t.executed_at, last_trade_id = t.id, updated_at = now()
           FROM unnest($18::varchar[], $19::varchar[], $20::numeric[], $21::numeric[], $22::numeric[], $23::bigint[],
                       $24::bigint[])
                AS u(account, symbol, open_qty, open_cost, realized, entries, last_trade_id)
           JOIN trades t ON t.id = u.last_trade_id
          WHERE p.account = u.account AND p.symbol = u.symbol
         RETURNING p.account),
       settled AS (
         UPDATE trades SET status = u.status, reject_reason = u.reason, settled_at = clock_timestamp()
           FROM unnest($25::bigint[], $26::varchar[], $27::text[]) AS u(id, status, reason)
          WHERE trades.id = u.id
         RETURNING trades.id, trades.settled_at)
       SELECT (SELECT count(*)::int FROM opened) AS opened, (SELECT count(*)::int FROM reduced) AS reduced,
              (SELECT count(*)::int FROM entries) AS entries, (SELECT count(*)::int FROM rewritten) AS rewritten,
              (SELECT count(*)::int FROM dropped) AS dropped, (SELECT count(*)::int FROM moved) AS moved,
              (SELECT COALESCE(json_object_agg(id::text, settled_at), '{}') FROM settled) AS "settledAt"`,
      [
        opened.map((lot) => lot.tradeId),
        opened.map((lot) => lot.remaining),
        reduced.map((lot) => lot.id),
        reduced.map((lot) => lot.remaining),
        inserted.map(({ run }) => run.account),
        inserted.map(({ run }) => run.symbol),
        inserted.map(({ entry }) => entry.qty),
        inserted.map(({ entry }) => entry.buyPrice),
        inserted.map(({ entry }) => entry.sellPrice),
        inserted.map(({ entry }) => entry.realizedPnl),
        inserted.map(({ lotId }) => lotId),
        inserted.map(({ lotTradeId }) => lotTradeId),
        inserted.map(({ entry }) => entry.sellTradeId),
        rewritten.map(({ id }) => id),
        rewritten.map(({ entry }) => entry.qty),
        rewritten.map(({ entry }) => entry.realizedPnl),
        dropped,
        moved.map(({ run }) => run.account),
        moved.map(({ run }) => run.symbol),
        moved.map(({ settlement }) => settlement.openQty),
        moved.map(({ settlement }) => settlement.openCost),
        moved.map(({ settlement }) => settlement.realizedPnl),
        moved.map(({ settlement }) => String(settlement.realizedEntries)),
        moved.map(({ lastTradeId }) => lastTradeId),
        outcomes.map((o) => o.tradeId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.reason),
      ],
    );
    const expected = {
      opened: opened.length,
      reduced: reduced.length,
      entries: inserted.length,
      rewritten: rewritten.length,
      dropped: dropped.length,
      moved: moved.length,
      settled: outcomes.length,
    };
    const actual = { ...written, settled: Object.keys(written.settledAt).length };
    if (Object.entries(expected).some(([key, count]) => actual[key as keyof typeof expected] !== count)) {
      throw new Error(
        `the books were not written as decided: expected ${JSON.stringify(expected)}, wrote ${JSON.stringify({ ...actual, settledAt: undefined })}`,
      );
    }
    const trades = new Map(
      runs
        .flatMap((run) => [...run.pending, ...run.refused.map((r) => r.trade)])
        .map((trade) => [trade.id, trade]),
    );
    return outcomes.map((outcome) => {
      const trade = trades.get(outcome.tradeId);
      if (!trade) throw new Error(`the engine settled trade ${outcome.tradeId}, which is not in the batch`);
      const settledAt = written.settledAt[trade.id];
      return {
        id: trade.id,
        account: trade.account,
        symbol: trade.symbol,
        status: outcome.status === 'APPLIED' ? TradeStatus.Applied : TradeStatus.Rejected,
        rejectReason: outcome.reason,
        settledAt: settledAt ? new Date(settledAt) : null,
      };
    });
  }
}

type Drafted = RunSettlement['entries'][number];

function sameTrade(
  trade: Pick<TradeRow, 'account' | 'symbol' | 'qty' | 'price'>,
  expected: ExpectedTrade,
): boolean {
  return (
    trade.account === expected.account &&
    trade.symbol === expected.symbol &&
    canonicalNumeric(trade.qty) === canonicalNumeric(expected.qty) &&
    canonicalNumeric(trade.price) === canonicalNumeric(expected.price)
  );
}

function positionKey(row: { account: string; symbol: string }): string {
  return `${row.account}|${row.symbol}`;
}

function orderKey(trade: TradeRow): ExecutionOrderKey {
  return { executedAt: trade.executedAt, seq: trade.id };
}

function lastApplied(position: LockedPosition): ExecutionOrderKey | null {
  return position.lastExecutedAt !== null && position.lastTradeId !== null
    ? { executedAt: position.lastExecutedAt, seq: position.lastTradeId }
    : null;
}

function compareKeys(a: { account: string; symbol: string }, b: { account: string; symbol: string }): number {
  if (a.account !== b.account) return a.account < b.account ? -1 : 1;
  return a.symbol === b.symbol ? 0 : a.symbol < b.symbol ? -1 : 1;
}

function compareLots(a: LotRow, b: LotRow): number {
  return compareExecutionOrder(
    { executedAt: a.executedAt, seq: a.tradeId },
    { executedAt: b.executedAt, seq: b.tradeId },
  );
}

function isSell(trade: { qty: string }): boolean {
  return trade.qty.startsWith('-');
}

function engineTrade(trade: TradeRow): RunTrade {
  return { id: trade.id, qty: canonicalNumeric(trade.qty), price: canonicalNumeric(trade.price) };
}

/**
 * The run in execution order: the applied trades after the earliest pending one (replayed), with the pending
 * ones merged in. The later trades come sorted from the database; each pending one finds its place by binary
 * search, so a deep replay costs no more comparisons than the pending trades need.
 */
function runTrades(run: PositionRun): RunTrade[] {
  const trades: RunTrade[] = [];
  let from = 0;
  for (const trade of run.pending) {
    let low = from;
    let high = run.later.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareExecutionOrder(orderKey(run.later[middle] as TradeRow), orderKey(trade)) < 0)
        low = middle + 1;
      else high = middle;
    }
    for (const replayed of run.later.slice(from, low))
      trades.push({ ...engineTrade(replayed), replayed: true });
    trades.push(engineTrade(trade));
    from = low;
  }
  for (const replayed of run.later.slice(from)) trades.push({ ...engineTrade(replayed), replayed: true });
  return trades;
}

/** Lots of the database are keyed apart from trade ids, which key the lots a run opens. */
function lotKey(lot: LotRow): string {
  return `lot:${lot.id}`;
}

function loadedOpenLot(lot: LotRow): OpenLot {
  return {
    key: lotKey(lot),
    qty: canonicalNumeric(lot.qty),
    remainingQty: canonicalNumeric(lot.remainingQty),
    price: canonicalNumeric(lot.price),
  };
}
