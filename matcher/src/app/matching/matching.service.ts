import { TradeStatus } from '@lotwise/contracts';
import {
  compareExecutionOrder,
  insufficientQuantityReason,
  matchTrade,
  OpenLot,
  PnlEntryDraft,
  replayTrades,
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

type Outcome = { status: 'APPLIED' } | { status: 'REJECTED'; reason: string };

/** First batch of lots a sell locks; doubled until the sell is covered, so a sell locks only what it consumes. */
const FIRST_LOT_BATCH = 8;

/**
 * Applies one trade to the books in one transaction. Lock order is always trade row → position row →
 * lots, so two matchers working on the same position serialise instead of deadlocking.
 */
@Injectable()
export class MatchingService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  settle(tradeId: string, expected?: ExpectedTrade): Promise<Settlement> {
    return this.dataSource.transaction(async (manager) => {
      const trade = await manager
        .getRepository(TradeEntity)
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.id = :tradeId', { tradeId })
        .getOne();
      if (!trade) throw new PermanentMatchingError(`trade ${tradeId} is not recorded`);
      if (expected && !sameTrade(trade, expected)) {
        throw new PermanentMatchingError(`event does not match recorded trade ${trade.id}`);
      }
      if (trade.status !== TradeStatus.Pending) return { trade, changed: false };

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

      trade.status = outcome.status;
      trade.rejectReason = outcome.status === 'REJECTED' ? outcome.reason : null;
      trade.settledAt = new Date();
      await manager
        .getRepository(TradeEntity)
        .update(
          { id: trade.id },
          { status: trade.status, rejectReason: trade.rejectReason, settledAt: trade.settledAt },
        );
      return { trade, changed: true };
    });
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
      await this.advancePosition(manager, trade, trade.qty);
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
        await this.advancePosition(manager, trade, trade.qty);
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
      `UPDATE positions SET open_qty = (SELECT COALESCE(SUM(remaining_qty), 0) FROM lots
         WHERE account = $1 AND symbol = $2), updated_at = now()
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

  /** open_qty moves by the signed quantity in NUMERIC, so PostgreSQL does the (exact) arithmetic. */
  private async advancePosition(
    manager: EntityManager,
    trade: TradeEntity,
    signedQty: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE positions SET open_qty = open_qty + $3::numeric, last_executed_at = $4, last_trade_id = $5, updated_at = now()
       WHERE account = $1 AND symbol = $2`,
      [trade.account, trade.symbol, signedQty, trade.executedAt, trade.id],
    );
  }
}

function sameTrade(trade: TradeEntity, expected: ExpectedTrade): boolean {
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
