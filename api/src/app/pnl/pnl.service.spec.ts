import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PnlService } from './pnl.service';

interface Query {
  sql: string;
  params: unknown[];
}

/** An entry row as the page query returns it: NUMERIC as PostgreSQL's text, times already ISO text. */
function entryRow(fields: Record<string, string> = {}) {
  return {
    id: '1',
    account: 'default',
    symbol: 'AAPL',
    qty: '80',
    buyPrice: '150',
    sellPrice: '170',
    realizedPnl: '1600',
    lotId: '1',
    sellTradeId: '3',
    executedAt: '2026-11-25T14:29:00.000Z',
    createdAt: '2026-11-25T14:30:00.120Z',
    ...fields,
  };
}

/** ROLLUP's rows: one per symbol, then the grand total (symbol NULL, grouping 1). */
function sumRows(perSymbol: [string, string][], total: string | null) {
  return [
    ...perSymbol.map(([symbol, realizedPnl]) => ({ symbol, grandTotal: 0, realizedPnl })),
    { symbol: null, grandTotal: 1, realizedPnl: total },
  ];
}

/**
 * Stands in for the database: the page query (realized_pnl) gets `entries`, the totals query (positions) `sums`. Records each query
 * and the isolation level of the transaction it ran in; a read outside one fails.
 */
class FakeRealizedPnl {
  entries: object[] = [];
  sums: object[] = sumRows([], null);
  readonly queries: Query[] = [];
  readonly transactions: string[] = [];

  private readonly manager = {
    query: async (sql: string, params: unknown[]) => {
      this.queries.push({ sql: sql.replace(/\s+/g, ' '), params });
      return sql.includes('ROLLUP') ? this.sums : this.entries;
    },
  };

  readonly dataSource = {
    transaction: async <T>(isolation: string, work: (manager: unknown) => Promise<T>): Promise<T> => {
      this.transactions.push(isolation);
      return work(this.manager);
    },
  };

  query(kind: 'page' | 'totals'): Query {
    const query = this.queries.find((q) => q.sql.includes('ROLLUP') === (kind === 'totals'));
    if (!query) throw new Error(`no ${kind} query was made`);
    return query;
  }
}

describe('PnlService.list', () => {
  let db: FakeRealizedPnl;
  let service: PnlService;

  beforeEach(async () => {
    db = new FakeRealizedPnl();
    const moduleRef = await Test.createTestingModule({
      providers: [PnlService, { provide: getDataSourceToken(), useValue: db.dataSource }],
    }).compile();
    service = moduleRef.get(PnlService);
  });

  it('answers no entries, no totals and a total of 0 when nothing was realized', async () => {
    await expect(service.list()).resolves.toEqual({ items: [], nextCursor: null, totals: [], total: '0' });
  });

  it('reads the page and the totals in one REPEATABLE READ transaction, so they agree', async () => {
    await service.list({ account: 'default', symbol: 'AAPL' });
    expect(db.transactions).toEqual(['REPEATABLE READ']);
    expect(db.queries).toHaveLength(2);
  });

  it("maps each entry with canonical decimals and the sell's execution time", async () => {
    db.entries = [
      entryRow({
        id: '7',
        account: 'alice',
        qty: '80.000000',
        buyPrice: '150.0000',
        sellPrice: '170.25',
        realizedPnl: '1620.000',
        lotId: '4',
        sellTradeId: '9',
      }),
    ];
    const { items } = await service.list();
    expect(items).toEqual([
      {
        id: '7',
        account: 'alice',
        symbol: 'AAPL',
        qty: '80',
        buyPrice: '150',
        sellPrice: '170.25',
        realizedPnl: '1620',
        lotId: '4',
        sellTradeId: '9',
        executedAt: '2026-11-25T14:29:00.000Z',
        createdAt: '2026-11-25T14:30:00.120Z',
      },
    ]);
  });

  it("takes executedAt from the sell's trade and both times as ISO text from PostgreSQL", async () => {
    await service.list();
    const { sql } = db.query('page');
    expect(sql).toContain('FROM realized_pnl e JOIN trades t ON t.id = e.sell_trade_id');
    expect(sql).toContain(
      `to_char(t.executed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "executedAt"`,
    );
    expect(sql).toContain(
      `to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`,
    );
  });

  it('keeps losses and fractions exact, in the order the query returned the entries', async () => {
    db.entries = [
      entryRow({ id: '3', realizedPnl: '-0.100' }),
      entryRow({ id: '2', realizedPnl: '0.000' }),
      entryRow({ id: '1', realizedPnl: '12345678901234567890.123456789012345678' }),
    ];
    const { items } = await service.list();
    expect(items.map((e) => [e.id, e.realizedPnl])).toEqual([
      ['3', '-0.1'],
      ['2', '0'],
      ['1', '12345678901234567890.123456789012345678'],
    ]);
  });

  it('pages newest first by id, one row beyond the limit, and answers the last id as the cursor', async () => {
    db.entries = [entryRow({ id: '9' }), entryRow({ id: '8' }), entryRow({ id: '5' })];
    const page = await service.list({ limit: 2 });
    expect(page.items.map((e) => e.id)).toEqual(['9', '8']);
    expect(page.nextCursor).toBe('8');
    expect(db.query('page').sql).toMatch(/ORDER BY e\.id DESC LIMIT \$1$/);
    expect(db.query('page').params).toEqual([3]);
  });

  it('answers no cursor on the last page, with the default limit of 100', async () => {
    db.entries = [entryRow({ id: '9' })];
    await expect(service.list()).resolves.toMatchObject({ nextCursor: null });
    expect(db.query('page').params).toEqual([101]);
  });

  it('continues below the cursor; the totals ignore it', async () => {
    await service.list({ cursor: '8', limit: 10 });
    expect(db.query('page').sql).toContain('WHERE TRUE AND e.id < $1::bigint ORDER BY');
    expect(db.query('page').params).toEqual(['8', 11]);
    expect(db.query('totals').sql).not.toContain('e.id <');
    expect(db.query('totals').params).toEqual([]);
  });

  it('reports the totals per symbol and overall as PostgreSQL summed them, in canonical form', async () => {
    db.sums = sumRows(
      [
        ['AAPL', '1600.500'],
        ['MSFT', '-20.000'],
        ['TSLA', '0.000'],
      ],
      '98765432109876543210.123456789012345678000',
    );
    const { totals, total } = await service.list();
    expect(totals).toEqual([
      { symbol: 'AAPL', realizedPnl: '1600.5' },
      { symbol: 'MSFT', realizedPnl: '-20' },
      { symbol: 'TSLA', realizedPnl: '0' },
    ]);
    expect(total).toBe('98765432109876543210.123456789012345678');
  });

  it("sums the positions' realized totals in NUMERIC, as text, per symbol with a ROLLUP grand total", async () => {
    await service.list();
    expect(db.query('totals').sql).toBe(
      'SELECT e.symbol, GROUPING(e.symbol) AS "grandTotal", SUM(e.realized_pnl)::text AS "realizedPnl" ' +
        'FROM positions e WHERE e.realized_entries > 0 AND TRUE GROUP BY ROLLUP (e.symbol) ORDER BY e.symbol',
    );
  });

  it('filters the page and the totals alike by account and symbol', async () => {
    await service.list({ account: 'alice', symbol: 'AAPL', cursor: '4' });
    expect(db.query('page').sql).toContain(
      'WHERE TRUE AND e.account = $1 AND e.symbol = $2 AND e.id < $3::bigint ORDER BY',
    );
    expect(db.query('page').params).toEqual(['alice', 'AAPL', '4', 101]);
    expect(db.query('totals').sql).toContain('AND TRUE AND e.account = $1 AND e.symbol = $2 GROUP BY');
    expect(db.query('totals').params).toEqual(['alice', 'AAPL']);
  });

  it('filters by account alone', async () => {
    await service.list({ account: 'alice' });
    expect(db.query('page').params).toEqual(['alice', 101]);
    expect(db.query('totals').params).toEqual(['alice']);
  });

  it('filters by symbol alone', async () => {
    await service.list({ symbol: 'MSFT' });
    expect(db.query('page').sql).toContain('WHERE TRUE AND e.symbol = $1 ORDER BY');
    expect(db.query('totals').params).toEqual(['MSFT']);
  });
});
