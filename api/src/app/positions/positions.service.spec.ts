import { LotEntity } from '@lotwise/server-data';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PositionsService } from './positions.service';

let nextLotId = 1;

/** A lot row as the pg driver hands it over: NUMERIC and BIGINT columns are strings. */
function lot(account: string, symbol: string, qty: string, remainingQty: string, price: string): LotEntity {
  const id = String(nextLotId++);
  return Object.assign(new LotEntity(), {
    id,
    account,
    symbol,
    tradeId: String(100 + Number(id)),
    qty,
    remainingQty,
    price,
    executedAt: new Date(Date.UTC(2026, 10, 25, 14, Number(id))),
    createdAt: new Date(Date.UTC(2026, 10, 25, 15)),
  });
}

/** The open lots the query returns, already in the order it asks PostgreSQL for (account, symbol, FIFO). */
async function positionsFor(rows: LotEntity[]) {
  const queryBuilder = {
    where: () => queryBuilder,
    andWhere: () => queryBuilder,
    orderBy: () => queryBuilder,
    addOrderBy: () => queryBuilder,
    getMany: async () => rows,
  };
  const dataSource = {
    getRepository: (entity: unknown) => {
      if (entity !== LotEntity) throw new Error('positions are built from lots only');
      return { createQueryBuilder: () => queryBuilder };
    },
  };
  const moduleRef = await Test.createTestingModule({
    providers: [PositionsService, { provide: getDataSourceToken(), useValue: dataSource }],
  }).compile();
  return moduleRef.get(PositionsService).list();
}

describe('PositionsService.list', () => {
  beforeEach(() => {
    nextLotId = 1;
  });

  it('answers an empty list when no lot is open', async () => {
    await expect(positionsFor([])).resolves.toEqual({ positions: [] });
  });

  it('groups the lots into one position per account and symbol, in query order', async () => {
    const { positions } = await positionsFor([
      lot('alice', 'AAPL', '10', '10', '1'),
      lot('alice', 'AAPL', '5', '5', '1'),
      lot('alice', 'MSFT', '3', '3', '1'),
      lot('bob', 'MSFT', '7', '7', '1'),
    ]);
    expect(positions.map((p) => [p.account, p.symbol, p.lots.map((l) => l.id)])).toEqual([
      ['alice', 'AAPL', ['1', '2']],
      ['alice', 'MSFT', ['3']],
      ['bob', 'MSFT', ['4']],
    ]);
  });

  it('sums the remaining quantity and its cost exactly, with the average to 18 digits', async () => {
    const { positions } = await positionsFor([
      lot('default', 'AAPL', '100', '20', '150'),
      lot('default', 'AAPL', '50', '50', '160'),
    ]);
    expect(positions[0]).toMatchObject({
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
    });
  });

  it('values only the remaining part of a partly sold lot', async () => {
    const { positions } = await positionsFor([lot('default', 'AAPL', '100', '0.5', '151.3')]);
    expect(positions[0]).toMatchObject({ quantity: '0.5', costBasis: '75.65', averageCost: '151.3' });
  });

  it('adds binary-unfriendly fractions without floating-point error', async () => {
    const { positions } = await positionsFor([
      lot('default', 'BTC', '0.1', '0.1', '0.2'),
      lot('default', 'BTC', '0.2', '0.2', '0.1'),
    ]);
    expect(positions[0]).toMatchObject({
      quantity: '0.3',
      costBasis: '0.04',
      averageCost: '0.133333333333333333',
    });
  });

  it('keeps values beyond the range of a double exact', async () => {
    const { positions } = await positionsFor([
      lot(
        'default',
        'XYZ',
        '12345678901234567890.123456789012345678',
        '12345678901234567890.123456789012345678',
        '3',
      ),
    ]);
    expect(positions[0]).toMatchObject({
      quantity: '12345678901234567890.123456789012345678',
      costBasis: '37037036703703703670.370370367037037034',
    });
  });

  it("reports lots in canonical form, whatever PostgreSQL's NUMERIC notation", async () => {
    const { positions } = await positionsFor([lot('default', 'AAPL', '100.000000', '20.000', '150.2500')]);
    expect(positions[0]?.lots).toEqual([
      {
        id: '1',
        tradeId: '101',
        qty: '100',
        remainingQty: '20',
        price: '150.25',
        openedAt: '2026-11-25T14:01:00.000Z',
      },
    ]);
    expect(positions[0]).toMatchObject({ quantity: '20', costBasis: '3005', averageCost: '150.25' });
  });

  it('keeps the lots of a position in the order the query returned them (FIFO)', async () => {
    const rows = [
      lot('default', 'AAPL', '1', '1', '1'),
      lot('default', 'AAPL', '2', '2', '2'),
      lot('default', 'AAPL', '3', '3', '3'),
    ];
    const { positions } = await positionsFor(rows);
    expect(positions[0]?.lots.map((l) => l.qty)).toEqual(['1', '2', '3']);
  });
});
