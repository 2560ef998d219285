import { Position, PositionsResponse } from '@lotwise/contracts';
import { summarizePosition } from '@lotwise/lot-engine';
import { LotEntity, toLot } from '@lotwise/server-data';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

@Injectable()
export class PositionsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Open positions with their open lots in FIFO order; closed positions are left out. */
  async list(account?: string, symbol?: string): Promise<PositionsResponse> {
    const qb = this.dataSource
      .getRepository(LotEntity)
      .createQueryBuilder('l')
      .where('l.remaining_qty > 0')
      .orderBy('l.account')
      .addOrderBy('l.symbol')
      .addOrderBy('l.executed_at')
      .addOrderBy('l.trade_id');
    if (account) qb.andWhere('l.account = :account', { account });
    if (symbol) qb.andWhere('l.symbol = :symbol', { symbol });
    const lots = await qb.getMany();

    const positions: Position[] = [];
    let current: Position | null = null;
    for (const entity of lots) {
      if (!current || current.account !== entity.account || current.symbol !== entity.symbol) {
        current = {
          account: entity.account,
          symbol: entity.symbol,
          quantity: '0',
          costBasis: '0',
          averageCost: '0',
          lots: [],
        };
        positions.push(current);
      }
      current.lots.push(toLot(entity));
    }
    for (const position of positions) {
      Object.assign(
        position,
        summarizePosition(
          position.lots.map((lot) => ({
            key: lot.id,
            qty: lot.qty,
            remainingQty: lot.remainingQty,
            price: lot.price,
          })),
        ),
      );
    }
    return { positions };
  }
}
