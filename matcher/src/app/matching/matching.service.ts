import { TradeStatus } from '@lotwise/contracts';
import {
  compareExecutionOrder,
  InOrderSettlement,
  insufficientQuantityReason,
  matchTrade,
  OpenLot,
  PnlEntryDraft,
  replayTrades,
  settleInOrder,
} from '@lotwise/lot-engine';
import {
  canonicalNumeric,
  LotEntity,
  PositionEntity,
  RealizedPnlEntity,
  TradeEntity,
} from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PermanentMatchingError } from './matching.errors';

export interface Settlement {
  trade: TradeEntity;
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

type Outcome = { status: 'APPLIED' } | { status: 'REJECTED'; reason: string };

/** A trade row as the batch path reads it: executed_at as text, because Date drops the microseconds. */
interface LockedTrade extends SettledTrade {
  qty: string;
  price: string;
  executedAt: string;
}

interface LockedPosition {
  account: string;
  symbol: string;
  openQty: string;
  openCost: string;
  lastExecutedAt: string | null;
  lastTradeId: string | null;
}

interface LoadedLot {
  id: string;
  account: string;
  symbol: string;
  tradeId: string;
  qty: string;
  remainingQty: string;
  price: string;
  executedAt: string;
}

/** One position's pending trades in a batch, in event order. */
interface PositionRun {
  account: string;
  symbol: string;
  trades: LockedTrade[];
  position?: LockedPosition;
  lots: LoadedLot[];
  allLotsLoaded: boolean;
  settlement?: InOrderSettlement;
}

/** What the write statement reports: rows written per kind, and each settled trade's settled_at. */
interface WrittenRuns {
  opened: number;
  reduced: number;
  entries: number;
  moved: number;
  settledAt: Record<string, string>;
}

/** timestamptz as ISO-8601 UTC with all six fractional digits. */
const isoUtc = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** First batch of lots a sell locks; doubled until the sell is covered, so a sell locks only what it consumes. */
const FIRST_LOT_BATCH = 8;

/**
 * Applies one trade to the books in one transaction. Lock order is always trade row → position row →
 * lots, so two matchers working on the same position serialise instead of deadlocking.
 */
@Injectable()
export class MatchingService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Settles a batch of events in one transaction, with a fixed number of statements whatever its size: lock
   * the trades, then their positions, then (one query for all positions) the oldest open lots each run of
   * sells needs; the lot engine settles each position's run in memory; set-based statements write lots, P&L
   * entries, positions and statuses. A position whose trades are not all in execution order after its last
   * applied trade (a backdated trade) is settled one trade at a time, in the same transaction, with replay.
   * Results are in request order. Throws only for failures of the whole batch (database, bugs).
   */
  settleBatch(requests: readonly SettleRequest[]): Promise<BatchResult[]> {
    return this.dataSource.transaction(async (manager) => {
      const results: (BatchResult | undefined)[] = new Array(requests.length);
      const trades = await this.lockTrades(manager, requests);
      const runs = new Map<string, PositionRun>();
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
          const key = `${trade.account}|${trade.symbol}`;
          let run = runs.get(key);
          if (!run) {
            run = {
              account: trade.account,
              symbol: trade.symbol,
              trades: [],
              lots: [],
              allLotsLoaded: false,
            };
            runs.set(key, run);
          }
          run.trades.push(trade);
        }
      });
      const changed = new Map<string, SettledTrade>();
      if (runs.size > 0) {
        const positions = await this.lockPositions(manager, [...runs.values()]);
        const inOrder: PositionRun[] = [];
        const oneByOne: PositionRun[] = [];
        for (const [key, run] of runs) {
          run.position = positions.get(key);
          if (!run.position) throw new Error(`position ${key} was not created`);
          (isInOrderRun(run.position, run.trades) ? inOrder : oneByOne).push(run);
        }
        for (const trade of await this.settleRuns(manager, inOrder)) changed.set(trade.id, trade);
        for (const run of oneByOne) {
          for (const locked of run.trades) {
            const { trade } = await this.settleLockedTrade(manager, locked.id);
            changed.set(trade.id, trade);
          }
        }
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

  /** Creates missing position rows, then locks all of the batch's in one statement, in key order. */
  private async lockPositions(
    manager: EntityManager,
    runs: readonly PositionRun[],
  ): Promise<Map<string, LockedPosition>> {
    const sorted = [...runs].sort((a, b) => compareKeys(a, b));
    const accounts = sorted.map((run) => run.account);
    const symbols = sorted.map((run) => run.symbol);
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
    return new Map(rows.map((row) => [`${row.account}|${row.symbol}`, row]));
  }

  /** Settles in-order runs: the lot engine decides, a fixed number of set-based statements write. */
  private async settleRuns(manager: EntityManager, runs: readonly PositionRun[]): Promise<SettledTrade[]> {
    if (runs.length === 0) return [];
    // A sell consumes one lot or a few: lock that many to start with, more only if the engine asks.
    await this.lockLots(
      manager,
      runs.filter((run) => run.trades.some(isSell)),
      (run) => FIRST_LOT_BATCH + 2 * run.trades.filter(isSell).length,
    );
    for (const run of runs) {
      for (let limit = FIRST_LOT_BATCH; ; limit *= 2) {
        const position = run.position as LockedPosition;
        const outcome = settleInOrder(
          {
            openQty: canonicalNumeric(position.openQty),
            openCost: canonicalNumeric(position.openCost),
            lots: run.lots.map(loadedOpenLot),
          },
          run.trades.map((trade) => ({
            id: trade.id,
            qty: canonicalNumeric(trade.qty),
            price: canonicalNumeric(trade.price),
          })),
        );
        if (outcome.kind === 'settled') {
          run.settlement = outcome;
          break;
        }
        if (run.allLotsLoaded) {
          // positions.open_qty says the lots cover the sell; they do not. Never guess with money.
          throw new Error(
            `books inconsistent for ${run.account}/${run.symbol}: open_qty ${position.openQty} exceeds open lots`,
          );
        }
        await this.lockLots(manager, [run], () => limit);
      }
    }
    return this.writeRuns(manager, runs);
  }

  /**
   * Locks (FOR UPDATE) the next `limit(run)` open lots of each run's position in FIFO order, after those
   * already loaded: one statement for all positions, each an index range scan of lots_open_fifo.
   */
  private async lockLots(
    manager: EntityManager,
    runs: readonly PositionRun[],
    limit: (run: PositionRun) => number,
  ): Promise<void> {
    if (runs.length === 0) return;
    const after = runs.map((run) => run.lots[run.lots.length - 1]);
    const rows: LoadedLot[] = await manager.query(
      `SELECT l.id::text AS id, l.account, l.symbol, l.trade_id::text AS "tradeId", l.qty::text AS qty,
              l.remaining_qty::text AS "remainingQty", l.price::text AS price, ${isoUtc('l.executed_at')} AS "executedAt"
         FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::timestamptz[], $5::bigint[])
              AS p(account, symbol, n, after_at, after_trade)
         CROSS JOIN LATERAL (
           SELECT * FROM lots
            WHERE account = p.account AND symbol = p.symbol AND remaining_qty > 0
              AND (p.after_at IS NULL OR (executed_at, trade_id) > (p.after_at, p.after_trade))
            ORDER BY executed_at, trade_id
            LIMIT p.n
              FOR UPDATE
         ) l`,
      [
        runs.map((run) => run.account),
        runs.map((run) => run.symbol),
        runs.map(limit),
        after.map((lot) => lot?.executedAt ?? null),
        after.map((lot) => lot?.tradeId ?? null),
      ],
    );
    const byKey = new Map<string, LoadedLot[]>();
    for (const row of rows) {
      const key = `${row.account}|${row.symbol}`;
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    for (const run of runs) {
      const loaded = byKey.get(`${run.account}|${run.symbol}`) ?? [];
      run.lots.push(...loaded);
      run.allLotsLoaded = loaded.length < limit(run);
    }
  }

  /**
   * Writes what the engine decided for every run in ONE statement: data-modifying CTEs insert the opened lots,
   * reduce the consumed ones, insert the P&L entries (an entry on a lot opened in this batch finds its id
   * through the insert's RETURNING), move the positions and settle the trades. Foreign keys are checked at
   * the end of the statement, so entries may refer to lots it inserts. The counts it returns are checked:
   * a row that was not written is an error, never a silent gap in the books.
   */
  private async writeRuns(manager: EntityManager, runs: readonly PositionRun[]): Promise<SettledTrade[]> {
    const loadedIds = new Map<string, string>();
    for (const run of runs) for (const lot of run.lots) loadedIds.set(lotKey(lot), lot.id);
    const opened = runs.flatMap((run) => run.settlement?.openedLots ?? []);
    const reduced = runs.flatMap((run) => run.settlement?.reducedLots ?? []);
    const entries = runs.flatMap((run) => (run.settlement?.entries ?? []).map((entry) => ({ run, entry })));
    // A rejected trade leaves its position as it was, as when trades are settled one at a time.
    const moved = runs.flatMap((run) => {
      const outcomes = run.settlement?.outcomes ?? [];
      const last = [...outcomes].reverse().find((o) => o.status === 'APPLIED');
      return last && run.settlement ? [{ run, settlement: run.settlement, lastTradeId: last.tradeId }] : [];
    });
    const outcomes = runs.flatMap((run) => run.settlement?.outcomes ?? []);
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
       moved AS (
         UPDATE positions p SET open_qty = u.open_qty, open_cost = u.open_cost,
                realized_pnl = p.realized_pnl + u.realized, realized_entries = p.realized_entries + u.entries,
                last_executed_at = t.executed_at, last_trade_id = t.id, updated_at = now()
           FROM unnest($14::varchar[], $15::varchar[], $16::numeric[], $17::numeric[], $18::numeric[], $19::int[],
                       $20::bigint[])
                AS u(account, symbol, open_qty, open_cost, realized, entries, last_trade_id)
           JOIN trades t ON t.id = u.last_trade_id
          WHERE p.account = u.account AND p.symbol = u.symbol
         RETURNING p.account),
       settled AS (
         UPDATE trades SET status = u.status, reject_reason = u.reason, settled_at = clock_timestamp()
           FROM unnest($21::bigint[], $22::varchar[], $23::text[]) AS u(id, status, reason)
          WHERE trades.id = u.id
         RETURNING trades.id, trades.settled_at)
       SELECT (SELECT count(*)::int FROM opened) AS opened, (SELECT count(*)::int FROM reduced) AS reduced,
              (SELECT count(*)::int FROM entries) AS entries, (SELECT count(*)::int FROM moved) AS moved,
              (SELECT COALESCE(json_object_agg(id::text, settled_at), '{}') FROM settled) AS "settledAt"`,
      [
        opened.map((lot) => lot.tradeId),
        opened.map((lot) => lot.remainingQty),
        reduced.map((lot) => idOfLot(loadedIds, lot.key)),
        reduced.map((lot) => lot.remainingQty),
        entries.map(({ run }) => run.account),
        entries.map(({ run }) => run.symbol),
        entries.map(({ entry }) => entry.qty),
        entries.map(({ entry }) => entry.buyPrice),
        entries.map(({ entry }) => entry.sellPrice),
        entries.map(({ entry }) => entry.realizedPnl),
        entries.map(({ entry }) => loadedIds.get(entry.lotKey) ?? null),
        entries.map(({ entry }) => (loadedIds.has(entry.lotKey) ? null : entry.lotKey)),
        entries.map(({ entry }) => entry.sellTradeId),
        moved.map(({ run }) => run.account),
        moved.map(({ run }) => run.symbol),
        moved.map(({ settlement }) => settlement.openQty),
        moved.map(({ settlement }) => settlement.openCost),
        moved.map(({ settlement }) => settlement.realizedPnl),
        moved.map(({ settlement }) => settlement.entries.length),
        moved.map(({ lastTradeId }) => lastTradeId),
        outcomes.map((o) => o.tradeId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => (o.status === 'REJECTED' ? (o.reason ?? 'rejected') : null)),
      ],
    );
    const expected = {
      opened: opened.length,
      reduced: reduced.length,
      entries: entries.length,
      moved: moved.length,
      settled: outcomes.length,
    };
    const actual = { ...written, settled: Object.keys(written.settledAt).length };
    if (Object.entries(expected).some(([key, count]) => actual[key as keyof typeof expected] !== count)) {
      throw new Error(
        `the books were not written as decided: expected ${JSON.stringify(expected)}, wrote ${JSON.stringify({ ...actual, settledAt: undefined })}`,
      );
    }
    const trades = new Map(runs.flatMap((run) => run.trades).map((trade) => [trade.id, trade]));
    return outcomes.map((outcome) => {
      const trade = trades.get(outcome.tradeId);
      if (!trade) throw new Error(`the engine settled trade ${outcome.tradeId}, which is not in the batch`);
      const settledAt = written.settledAt[trade.id];
      return {
        id: trade.id,
        account: trade.account,
        symbol: trade.symbol,
        status: outcome.status === 'APPLIED' ? TradeStatus.Applied : TradeStatus.Rejected,
        rejectReason: outcome.status === 'REJECTED' ? (outcome.reason ?? 'rejected') : null,
        settledAt: settledAt ? new Date(settledAt) : null,
      };
    });
  }

  /** Settles one trade in a transaction of its own (the path for a batch that failed as a whole). */
  settle(tradeId: string, expected?: ExpectedTrade): Promise<Settlement> {
    return this.dataSource.transaction(async (manager) => {
      const trade = await this.lockTrade(manager, tradeId);
      if (!trade) throw new PermanentMatchingError(`trade ${tradeId} is not recorded`);
      if (expected && !sameTrade(trade, expected)) {
        throw new PermanentMatchingError(`event does not match recorded trade ${trade.id}`);
      }
      if (trade.status !== TradeStatus.Pending) return { trade, changed: false };
      return { trade: await this.applyLocked(manager, trade), changed: true };
    });
  }

  private async settleLockedTrade(manager: EntityManager, tradeId: string): Promise<Settlement> {
    const trade = await this.lockTrade(manager, tradeId);
    if (!trade) throw new Error(`trade ${tradeId} vanished inside the transaction`);
    if (trade.status !== TradeStatus.Pending) return { trade, changed: false };
    return { trade: await this.applyLocked(manager, trade), changed: true };
  }

  private lockTrade(manager: EntityManager, tradeId: string): Promise<TradeEntity | null> {
    return manager
      .getRepository(TradeEntity)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.id = :tradeId', { tradeId })
      .getOne();
  }

  /** Applies one locked PENDING trade: in order, or backdated with a replay of its position. */
  private async applyLocked(manager: EntityManager, trade: TradeEntity): Promise<TradeEntity> {
    await manager.query(
      'INSERT INTO positions (account, symbol) VALUES ($1, $2) ON CONFLICT (account, symbol) DO NOTHING',
      [trade.account, trade.symbol],
    );
    const position = await manager
      .getRepository(PositionEntity)
      .createQueryBuilder('p')
      .setLock('pessimistic_write')
      .where('p.account = :account AND p.symbol = :symbol', {
        account: trade.account,
        symbol: trade.symbol,
      })
      .getOneOrFail();

    const outcome = isAfterLastApplied(trade, position)
      ? await this.applyInOrder(manager, trade, position)
      : await this.applyBackdated(manager, trade);

    trade.status = outcome.status === 'APPLIED' ? TradeStatus.Applied : TradeStatus.Rejected;
    trade.rejectReason = outcome.status === 'REJECTED' ? outcome.reason : null;
    trade.settledAt = new Date();
    await manager
      .getRepository(TradeEntity)
      .update(
        { id: trade.id },
        { status: trade.status, rejectReason: trade.rejectReason, settledAt: trade.settledAt },
      );
    return trade;
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

  private async applyInOrder(
    manager: EntityManager,
    trade: TradeEntity,
    position: PositionEntity,
  ): Promise<Outcome> {
    const isBuy = !trade.qty.startsWith('-');
    if (isBuy) {
      await this.insertLot(manager, trade);
      await this.advancePosition(manager, trade, [{ qty: trade.qty, buyPrice: trade.price }], []);
      return { status: 'APPLIED' };
    }
    const sellQty = trade.qty.slice(1);
    const [{ short }] = await manager.query('SELECT $1::numeric < $2::numeric AS short', [
      position.openQty,
      sellQty,
    ]);
    if (short) return { status: 'REJECTED', reason: insufficientQuantityReason(position.openQty, sellQty) };

    const lots: LotEntity[] = [];
    for (let batch = FIRST_LOT_BATCH; ; batch *= 2) {
      const last = lots[lots.length - 1];
      const next = await this.lockOpenLots(manager, trade, batch, last);
      lots.push(...next);
      const outcome = matchTrade(lots.map(toOpenLot), engineTrade(trade));
      if (outcome.kind === 'closed') {
        for (const reduction of outcome.reductions) {
          await manager.update(
            LotEntity,
            { id: reduction.key },
            { remainingQty: reduction.remainingQtyAfter },
          );
        }
        await this.insertEntries(manager, trade, outcome.entries, (lotKey) => lotKey);
        await this.advancePosition(manager, trade, [], outcome.entries);
        return { status: 'APPLIED' };
      }
      if (next.length < batch) {
        // positions.open_qty said the lots cover the sell; they do not. Never guess with money.
        throw new Error(
          `books inconsistent for ${trade.account}/${trade.symbol}: open_qty ${position.openQty} exceeds open lots`,
        );
      }
    }
  }

  /**
   * A trade executed before the last applied one: replay the position's history with it in place.
   * If that would invalidate an already applied trade, the new trade is rejected and nothing changes.
   */
  private async applyBackdated(manager: EntityManager, trade: TradeEntity): Promise<Outcome> {
    const applied = await manager
      .getRepository(TradeEntity)
      .createQueryBuilder('t')
      .where('t.account = :account AND t.symbol = :symbol AND t.status = :status', {
        account: trade.account,
        symbol: trade.symbol,
        status: TradeStatus.Applied,
      })
      .getMany();
    const history = [...applied, trade].sort((a, b) => compareExecutionOrder(orderKey(a), orderKey(b)));
    const replay = replayTrades(history.map(engineTrade));

    const victim = replay.outcomes.find((o) => o.tradeId !== trade.id && o.status === 'REJECTED');
    if (victim) {
      return {
        status: 'REJECTED',
        reason: `backdated trade would invalidate trade ${victim.tradeId} (${victim.reason ?? 'rejected on replay'})`,
      };
    }
    const own = replay.outcomes.find((o) => o.tradeId === trade.id);
    if (own?.status === 'REJECTED') return { status: 'REJECTED', reason: own.reason ?? 'rejected on replay' };

    // Rewrite the position's books from the replay: every lot (closed ones may reopen) is locked first.
    const lots = await manager
      .getRepository(LotEntity)
      .createQueryBuilder('l')
      .setLock('pessimistic_write')
      .where('l.account = :account AND l.symbol = :symbol', { account: trade.account, symbol: trade.symbol })
      .getMany();
    if (!trade.qty.startsWith('-')) lots.push(await this.insertLot(manager, trade));
    const lotByTrade = new Map(lots.map((lot) => [lot.tradeId, lot]));
    for (const replayed of replay.lots) {
      const lot = lotByTrade.get(replayed.tradeId);
      if (!lot) throw new Error(`replay produced a lot for trade ${replayed.tradeId} that has no row`);
      if (canonicalNumeric(lot.remainingQty) !== replayed.remainingQty) {
        await manager.update(LotEntity, { id: lot.id }, { remainingQty: replayed.remainingQty });
      }
    }
    await manager.delete(RealizedPnlEntity, { account: trade.account, symbol: trade.symbol });
    await this.insertEntries(manager, trade, replay.entries, (lotKey) => {
      const lot = lotByTrade.get(lotKey);
      if (!lot) throw new Error(`replay matched against unknown lot of trade ${lotKey}`);
      return lot.id;
    });
    await manager.query(
      `UPDATE positions SET (open_qty, open_cost) = (SELECT COALESCE(SUM(remaining_qty), 0),
                COALESCE(SUM(remaining_qty * price), 0) FROM lots WHERE account = $1 AND symbol = $2),
              (realized_pnl, realized_entries) = (SELECT COALESCE(SUM(realized_pnl), 0), count(*)
                FROM realized_pnl WHERE account = $1 AND symbol = $2),
              updated_at = now()
       WHERE account = $1 AND symbol = $2`,
      [trade.account, trade.symbol],
    );
    return { status: 'APPLIED' };
  }

  private lockOpenLots(
    manager: EntityManager,
    trade: TradeEntity,
    limit: number,
    after?: LotEntity,
  ): Promise<LotEntity[]> {
    const qb = manager
      .getRepository(LotEntity)
      .createQueryBuilder('l')
      .setLock('pessimistic_write')
      .where('l.account = :account AND l.symbol = :symbol AND l.remaining_qty > 0', {
        account: trade.account,
        symbol: trade.symbol,
      })
      .orderBy('l.executed_at')
      .addOrderBy('l.trade_id')
      .limit(limit);
    if (after) {
      qb.andWhere('(l.executed_at, l.trade_id) > (:executedAt, :tradeId)', {
        executedAt: after.executedAt,
        tradeId: after.tradeId,
      });
    }
    return qb.getMany();
  }

  private insertLot(manager: EntityManager, trade: TradeEntity): Promise<LotEntity> {
    const repo = manager.getRepository(LotEntity);
    return repo.save(
      repo.create({
        account: trade.account,
        symbol: trade.symbol,
        tradeId: trade.id,
        qty: trade.qty,
        remainingQty: trade.qty,
        price: trade.price,
        executedAt: trade.executedAt,
      }),
    );
  }

  private async insertEntries(
    manager: EntityManager,
    sell: TradeEntity,
    entries: PnlEntryDraft[],
    lotIdOf: (lotKey: string) => string,
  ): Promise<void> {
    if (entries.length === 0) return;
    await manager.insert(
      RealizedPnlEntity,
      entries.map((entry) => ({
        account: sell.account,
        symbol: sell.symbol,
        qty: entry.qty,
        buyPrice: entry.buyPrice,
        sellPrice: entry.sellPrice,
        realizedPnl: entry.realizedPnl,
        lotId: lotIdOf(entry.lotKey),
        sellTradeId: entry.sellTradeId,
      })),
    );
  }

  /**
   * Moves the position by one applied trade, in NUMERIC so PostgreSQL does the (exact) arithmetic: open_qty by
   * the trade's signed quantity, open_cost by the lot a buy opens or the lots a sell consumes, and the
   * realized P&L by the sell's entries.
   */
  private async advancePosition(
    manager: EntityManager,
    trade: TradeEntity,
    opened: readonly { qty: string; buyPrice: string }[],
    entries: readonly PnlEntryDraft[],
  ): Promise<void> {
    await manager.query(
      `UPDATE positions SET open_qty = open_qty + $3::numeric,
              open_cost = open_cost
                + (SELECT COALESCE(SUM(q * p), 0) FROM unnest($4::numeric[], $5::numeric[]) AS o(q, p))
                - (SELECT COALESCE(SUM(q * p), 0) FROM unnest($6::numeric[], $7::numeric[]) AS c(q, p)),
              realized_pnl = realized_pnl + (SELECT COALESCE(SUM(r), 0) FROM unnest($8::numeric[]) AS e(r)),
              realized_entries = realized_entries + cardinality($8::numeric[]),
              last_executed_at = t.executed_at, last_trade_id = t.id, updated_at = now()
         FROM trades t
        WHERE t.id = $9 AND positions.account = $1 AND positions.symbol = $2`,
      [
        trade.account,
        trade.symbol,
        trade.qty,
        opened.map((o) => o.qty),
        opened.map((o) => o.buyPrice),
        entries.map((e) => e.qty),
        entries.map((e) => e.buyPrice),
        entries.map((e) => e.realizedPnl),
        trade.id,
      ],
    );
  }
}

function sameTrade(
  trade: Pick<TradeEntity, 'account' | 'symbol' | 'qty' | 'price'>,
  expected: ExpectedTrade,
): boolean {
  return (
    trade.account === expected.account &&
    trade.symbol === expected.symbol &&
    canonicalNumeric(trade.qty) === canonicalNumeric(expected.qty) &&
    canonicalNumeric(trade.price) === canonicalNumeric(expected.price)
  );
}

function isAfterLastApplied(trade: TradeEntity, position: PositionEntity): boolean {
  if (position.lastExecutedAt === null || position.lastTradeId === null) return true;
  return (
    compareExecutionOrder(orderKey(trade), {
      executedAt: position.lastExecutedAt.toISOString(),
      seq: position.lastTradeId,
    }) > 0
  );
}

function orderKey(trade: TradeEntity): { executedAt: string; seq: string } {
  return { executedAt: trade.executedAt.toISOString(), seq: trade.id };
}

function engineTrade(trade: TradeEntity): { id: string; qty: string; price: string } {
  return { id: trade.id, qty: canonicalNumeric(trade.qty), price: canonicalNumeric(trade.price) };
}

function toOpenLot(lot: LotEntity): OpenLot {
  return {
    key: lot.id,
    qty: canonicalNumeric(lot.qty),
    remainingQty: canonicalNumeric(lot.remainingQty),
    price: canonicalNumeric(lot.price),
  };
}

/** In order when every trade comes after the position's last applied one and after the trade before it. */
function isInOrderRun(position: LockedPosition, trades: readonly LockedTrade[]): boolean {
  let last =
    position.lastExecutedAt !== null && position.lastTradeId !== null
      ? { executedAt: position.lastExecutedAt, seq: position.lastTradeId }
      : null;
  for (const trade of trades) {
    const key = { executedAt: trade.executedAt, seq: trade.id };
    if (last && compareExecutionOrder(key, last) <= 0) return false;
    last = key;
  }
  return true;
}

function isSell(trade: LockedTrade): boolean {
  return trade.qty.startsWith('-');
}

function compareKeys(a: { account: string; symbol: string }, b: { account: string; symbol: string }): number {
  if (a.account !== b.account) return a.account < b.account ? -1 : 1;
  return a.symbol === b.symbol ? 0 : a.symbol < b.symbol ? -1 : 1;
}

/** Loaded lots are keyed apart from trade ids, which key the lots a run opens. */
function lotKey(lot: LoadedLot): string {
  return `lot:${lot.id}`;
}

function loadedOpenLot(lot: LoadedLot): OpenLot {
  return {
    key: lotKey(lot),
    qty: canonicalNumeric(lot.qty),
    remainingQty: canonicalNumeric(lot.remainingQty),
    price: canonicalNumeric(lot.price),
  };
}

function idOfLot(lotIds: ReadonlyMap<string, string>, key: string): string {
  const id = lotIds.get(key);
  if (id === undefined) throw new Error(`the engine named lot ${key}, which was neither loaded nor opened`);
  return id;
}
