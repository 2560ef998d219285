import { PnlResponse } from '@lotwise/contracts';
import { canonicalNumeric, RealizedPnlEntity, toRealizedPnlEntry } from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

@Injectable()
export class PnlService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Entries and totals are read in one REPEATABLE READ snapshot, so they always agree with each other. */
  get(account?: string, symbol?: string): Promise<PnlResponse> {
    return this.dataSource.transaction('REPEATABLE READ', (manager) => this.read(manager, account, symbol));
  }

  private async read(manager: EntityManager, account?: string, symbol?: string): Promise<PnlResponse> {
    const entries = manager.getRepository(RealizedPnlEntity).createQueryBuilder('e').orderBy('e.id');
    const totals = manager
      .getRepository(RealizedPnlEntity)
      .createQueryBuilder('e')
      .select('e.symbol', 'symbol')
      .addSelect('SUM(e.realized_pnl)::text', 'realizedPnl')
      .groupBy('e.symbol')
      .orderBy('e.symbol');
    for (const qb of [entries, totals]) {
      if (account !== undefined) qb.andWhere('e.account = :account', { account });
      if (symbol !== undefined) qb.andWhere('e.symbol = :symbol', { symbol });
    }
    // One transaction is one connection: the reads run one after another.
    const rows = await entries.getMany();
    const sums = await totals.getRawMany<{ symbol: string; realizedPnl: string }>();
    // Summed by PostgreSQL in NUMERIC: exact, whatever the number of entries.
    const totalRow = await manager.query(
      `SELECT COALESCE(SUM(realized_pnl), 0)::text AS total FROM realized_pnl
       WHERE ($1::text IS NULL OR account = $1) AND ($2::text IS NULL OR symbol = $2)`,
      [account ?? null, symbol ?? null],
    );
    return {
      entries: rows.map(toRealizedPnlEntry),
      totals: sums.map((s) => ({ symbol: s.symbol, realizedPnl: canonicalNumeric(s.realizedPnl) })),
      total: canonicalNumeric(totalRow[0].total),
    };
  }
}
