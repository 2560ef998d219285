import { BOOKS_PAGE_LIMIT, ListPnlQuery, PnlPage, RealizedPnlEntry } from '@lotwise/contracts';
import { canonicalNumeric } from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isoMillis, SqlParams } from '../positions/sql';

interface TotalRow {
  symbol: string | null;
  /** 1 on the ROLLUP's grand-total row. */
  grandTotal: number;
  realizedPnl: string | null;
}

@Injectable()
export class PnlService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A page of entries, newest first, and the totals of every entry the filters match, read in one
   * REPEATABLE READ snapshot so the page never holds an entry the totals do not count.
   */
  list(query: ListPnlQuery = {}): Promise<PnlPage> {
    return this.dataSource.transaction('REPEATABLE READ', (manager) => this.read(manager, query));
  }

  private async read(manager: EntityManager, query: ListPnlQuery): Promise<PnlPage> {
    const limit = query.limit ?? BOOKS_PAGE_LIMIT.default;
    const filters = (params: SqlParams): string[] => {
      const where = ['TRUE'];
      if (query.account !== undefined) where.push(`e.account = ${params.add(query.account)}`);
      if (query.symbol !== undefined) where.push(`e.symbol = ${params.add(query.symbol)}`);
      return where;
    };

    const pageParams = new SqlParams();
    const pageWhere = filters(pageParams);
    if (query.cursor !== undefined) pageWhere.push(`e.id < ${pageParams.add(query.cursor)}::bigint`);
    // One transaction is one connection: the reads run one after another.
    const rows: RealizedPnlEntry[] = await manager.query(
      `SELECT e.id::text AS id, e.account, e.symbol, e.qty::text AS qty, e.buy_price::text AS "buyPrice",
              e.sell_price::text AS "sellPrice", e.realized_pnl::text AS "realizedPnl", e.lot_id::text AS "lotId",
              e.sell_trade_id::text AS "sellTradeId", ${isoMillis('t.executed_at')} AS "executedAt",
              ${isoMillis('e.created_at')} AS "createdAt"
       FROM realized_pnl e JOIN trades t ON t.id = e.sell_trade_id
       WHERE ${pageWhere.join(' AND ')}
       ORDER BY e.id DESC LIMIT ${pageParams.add(limit + 1)}`,
      pageParams.values,
    );

    // The matcher keeps each position's realized total (realized_pnl, realized_entries) on its positions row,
    // so the totals cost one row per position, not one per entry. ROLLUP adds the grand total.
    const totalParams = new SqlParams();
    const sums: TotalRow[] = await manager.query(
      `SELECT e.symbol, GROUPING(e.symbol) AS "grandTotal", SUM(e.realized_pnl)::text AS "realizedPnl"
       FROM positions e WHERE e.realized_entries > 0 AND ${filters(totalParams).join(' AND ')}
       GROUP BY ROLLUP (e.symbol) ORDER BY e.symbol`,
      totalParams.values,
    );

    const page = rows.slice(0, limit);
    const grandTotal = sums.find((row) => row.grandTotal === 1)?.realizedPnl ?? null;
    return {
      items: page.map((row) => ({
        ...row,
        qty: canonicalNumeric(row.qty),
        buyPrice: canonicalNumeric(row.buyPrice),
        sellPrice: canonicalNumeric(row.sellPrice),
        realizedPnl: canonicalNumeric(row.realizedPnl),
      })),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      totals: sums
        .filter((row) => row.grandTotal !== 1 && row.symbol !== null)
        .map((row) => ({ symbol: row.symbol ?? '', realizedPnl: canonicalNumeric(row.realizedPnl ?? '0') })),
      total: canonicalNumeric(grandTotal ?? '0'),
    };
  }
}
