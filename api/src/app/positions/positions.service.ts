import {
  BOOKS_PAGE_LIMIT,
  ListLotsQuery,
  ListPositionsQuery,
  LotPage,
  PositionPage,
} from '@lotwise/contracts';
import { averageCost } from '@lotwise/lot-engine';
import { canonicalNumeric } from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { lotCursor, parseLotCursor, POSITION_CURSOR } from './positions.dto';
import { isoMicros, isoMillis, SqlParams } from './sql';

interface PositionRow {
  account: string;
  symbol: string;
  openQty: string;
  openCost: string;
}

interface LotRow {
  id: string;
  tradeId: string;
  qty: string;
  remainingQty: string;
  price: string;
  openedAt: string;
  cursorAt: string;
}

@Injectable()
export class PositionsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One page of open positions by (account, symbol), read from the positions table alone: the matcher keeps
   * open_qty and open_cost there, so the cost of a page does not depend on how many lots are open.
   */
  async list(query: ListPositionsQuery = {}): Promise<PositionPage> {
    const limit = query.limit ?? BOOKS_PAGE_LIMIT.default;
    const params = new SqlParams();
    const where = ['open_qty > 0'];
    if (query.account !== undefined) where.push(`account = ${params.add(query.account)}`);
    if (query.symbol !== undefined) where.push(`symbol = ${params.add(query.symbol)}`);
    const after = query.cursor === undefined ? null : POSITION_CURSOR.exec(query.cursor);
    if (after) where.push(`(account, symbol) > (${params.add(after[1])}, ${params.add(after[2])})`);
    const rows: PositionRow[] = await this.dataSource.query(
      `SELECT account, symbol, open_qty::text AS "openQty", open_cost::text AS "openCost"
       FROM positions WHERE ${where.join(' AND ')}
       ORDER BY account, symbol LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        account: row.account,
        symbol: row.symbol,
        quantity: canonicalNumeric(row.openQty),
        costBasis: canonicalNumeric(row.openCost),
        averageCost: averageCost(row.openCost, row.openQty),
      })),
      nextCursor: rows.length > limit && last ? `${last.account}:${last.symbol}` : null,
    };
  }

  /**
   * One page of a position's open lots in FIFO order (execution time, then trade id), an index range scan
   * of lots_open_fifo. An unknown or closed position has no open lots: an empty page, not an error.
   */
  async lots(account: string, symbol: string, query: ListLotsQuery = {}): Promise<LotPage> {
    const limit = query.limit ?? BOOKS_PAGE_LIMIT.default;
    const params = new SqlParams();
    const where = [`account = ${params.add(account)}`, `symbol = ${params.add(symbol)}`, 'remaining_qty > 0'];
    const after = query.cursor === undefined ? null : parseLotCursor(query.cursor);
    if (after) {
      where.push(
        `(executed_at, trade_id) > (${params.add(after.executedAt)}::timestamptz, ${params.add(after.tradeId)}::bigint)`,
      );
    }
    const rows: LotRow[] = await this.dataSource.query(
      `SELECT id::text AS id, trade_id::text AS "tradeId", qty::text AS qty,
              remaining_qty::text AS "remainingQty", price::text AS price,
              ${isoMillis('executed_at')} AS "openedAt", ${isoMicros('executed_at')} AS "cursorAt"
       FROM lots WHERE ${where.join(' AND ')}
       ORDER BY executed_at, trade_id LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        tradeId: row.tradeId,
        qty: canonicalNumeric(row.qty),
        remainingQty: canonicalNumeric(row.remainingQty),
        price: canonicalNumeric(row.price),
        openedAt: row.openedAt,
      })),
      nextCursor:
        rows.length > limit && last ? lotCursor({ executedAt: last.cursorAt, tradeId: last.tradeId }) : null,
    };
  }
}
