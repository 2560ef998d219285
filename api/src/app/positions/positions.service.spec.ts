import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PositionsService } from './positions.service';

/** Stands in for PostgreSQL: answers every query with the rows it is given and records what was asked. */
class FakeDatabase {
  rows: object[] = [];
  readonly queries: { sql: string; params: unknown[] }[] = [];

  readonly dataSource = {
    query: async (sql: string, params: unknown[]) => {
      this.queries.push({ sql: sql.replace(/\s+/g, ' '), params });
      return this.rows;
    },
  };

  get last(): { sql: string; params: unknown[] } {
    const query = this.queries.at(-1);
    if (!query) throw new Error('no query was made');
    return query;
  }
}

/** A positions row as the query returns it: NUMERIC as PostgreSQL's text. */
const positionRow = (account: string, symbol: string, openQty: string, openCost: string) => ({
  account,
  symbol,
  openQty,
  openCost,
});

let nextTrade = 1;
function lotRow(remainingQty: string, price: string, cursorAt = '2026-11-25T14:30:00.123456Z') {
  const tradeId = String(nextTrade++);
  return {
    id: String(100 + Number(tradeId)),
    tradeId,
    qty: '100.000',
    remainingQty,
    price,
    openedAt: `${cursorAt.slice(0, 23)}Z`,
    cursorAt,
  };
}

describe('PositionsService', () => {
  let db: FakeDatabase;
  let service: PositionsService;

  beforeEach(async () => {
    nextTrade = 1;
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [PositionsService, { provide: getDataSourceToken(), useValue: db.dataSource }],
    }).compile();
    service = moduleRef.get(PositionsService);
  });

  describe('list', () => {
    it('answers an empty last page when no position is open', async () => {
      await expect(service.list()).resolves.toEqual({ items: [], nextCursor: null });
    });

    it('reads open positions from the positions table only, by account and symbol, one row beyond the page', async () => {
      await service.list();
      expect(db.queries).toHaveLength(1);
      expect(db.last.sql).toMatch(/FROM positions WHERE open_qty > 0 ORDER BY account, symbol LIMIT \$1$/);
      expect(db.last.sql).not.toMatch(/\blots\b/);
      expect(db.last.params).toEqual([101]);
    });

    it('reports quantity and cost basis as kept, and the average cost rounded half-even to 18 digits', async () => {
      db.rows = [positionRow('default', 'AAPL', '70', '11000.000')];
      const { items } = await service.list();
      expect(items).toEqual([
        {
          account: 'default',
          symbol: 'AAPL',
          quantity: '70',
          costBasis: '11000',
          averageCost: '157.142857142857142857',
        },
      ]);
    });

    it('keeps values beyond the range of a double exact', async () => {
      db.rows = [
        positionRow(
          'default',
          'XYZ',
          '12345678901234567890.123456789012345678',
          '37037036703703703670.370370367037037034',
        ),
      ];
      const [position] = (await service.list()).items;
      expect(position).toMatchObject({
        quantity: '12345678901234567890.123456789012345678',
        costBasis: '37037036703703703670.370370367037037034',
        averageCost: '3',
      });
    });

    it('answers a cursor naming the last position when the query found more than the limit', async () => {
      db.rows = [
        positionRow('alice', 'AAPL', '1', '1'),
        positionRow('alice', 'MSFT', '1', '1'),
        positionRow('bob', 'AAPL', '1', '1'),
      ];
      const page = await service.list({ limit: 2 });
      expect(page.items.map((p) => `${p.account}/${p.symbol}`)).toEqual(['alice/AAPL', 'alice/MSFT']);
      expect(page.nextCursor).toBe('alice:MSFT');
      expect(db.last.params).toEqual([3]);
    });

    it('answers no cursor when the query found exactly the limit', async () => {
      db.rows = [positionRow('alice', 'AAPL', '1', '1'), positionRow('alice', 'MSFT', '1', '1')];
      await expect(service.list({ limit: 2 })).resolves.toMatchObject({ nextCursor: null });
    });

    it('continues after the cursor with a keyset condition on (account, symbol), filters alike', async () => {
      await service.list({ account: 'alice', symbol: 'AAPL', cursor: 'alice:AAPL', limit: 10 });
      expect(db.last.sql).toContain(
        'WHERE open_qty > 0 AND account = $1 AND symbol = $2 AND (account, symbol) > ($3, $4) ORDER BY',
      );
      expect(db.last.params).toEqual(['alice', 'AAPL', 'alice', 'AAPL', 11]);
    });

    it('filters by account alone', async () => {
      await service.list({ account: 'desk_2' });
      expect(db.last.sql).toContain('WHERE open_qty > 0 AND account = $1 ORDER BY');
      expect(db.last.params).toEqual(['desk_2', 101]);
    });
  });

  describe('lots', () => {
    it("reads one position's open lots from the FIFO index order, one row beyond the page", async () => {
      await expect(service.lots('alice', 'AAPL')).resolves.toEqual({ items: [], nextCursor: null });
      expect(db.last.sql).toContain(
        'FROM lots WHERE account = $1 AND symbol = $2 AND remaining_qty > 0 ORDER BY executed_at, trade_id LIMIT $3',
      );
      expect(db.last.params).toEqual(['alice', 'AAPL', 101]);
    });

    it("reports lots in canonical form, whatever PostgreSQL's NUMERIC notation, in the order read", async () => {
      db.rows = [lotRow('20.000', '150.2500'), lotRow('0.5', '151.3')];
      const { items } = await service.lots('default', 'AAPL');
      expect(items).toEqual([
        {
          id: '101',
          tradeId: '1',
          qty: '100',
          remainingQty: '20',
          price: '150.25',
          openedAt: '2026-11-25T14:30:00.123Z',
        },
        {
          id: '102',
          tradeId: '2',
          qty: '100',
          remainingQty: '0.5',
          price: '151.3',
          openedAt: '2026-11-25T14:30:00.123Z',
        },
      ]);
    });

    it("answers the last lot's FIFO key, to the microsecond, as the cursor when there is more", async () => {
      db.rows = [
        lotRow('1', '1', '2026-11-25T14:30:00.000001Z'),
        lotRow('1', '1', '2026-11-25T14:30:00.000002Z'),
        lotRow('1', '1', '2026-11-25T14:30:00.000003Z'),
      ];
      const page = await service.lots('default', 'AAPL', { limit: 2 });
      expect(page.items.map((lot) => lot.tradeId)).toEqual(['1', '2']);
      expect(page.nextCursor).toBe('2026-11-25T14:30:00.000002Z_2');
    });

    it('continues after the cursor with a keyset condition on (executed_at, trade_id)', async () => {
      await service.lots('default', 'AAPL', { cursor: '2026-11-25T14:30:00.000002Z_2', limit: 5 });
      expect(db.last.sql).toContain(
        'AND remaining_qty > 0 AND (executed_at, trade_id) > ($3::timestamptz, $4::bigint) ORDER BY executed_at, trade_id LIMIT $5',
      );
      expect(db.last.params).toEqual(['default', 'AAPL', '2026-11-25T14:30:00.000002Z', '2', 6]);
    });
  });
});
