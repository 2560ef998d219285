import { RealizedPnlEntity } from '@lotwise/server-data';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PnlService } from './pnl.service';

/** One call made on a query builder: its method and arguments. */
type BuilderCall = [string, ...unknown[]];

interface RawTotal {
  symbol: string;
  realizedPnl: string;
}

/**
 * Stands in for the realized_pnl table. It answers with the rows it is given, as the pg driver hands them
 * over (NUMERIC and BIGINT as text), and records what each query asked for.
 */
class FakeRealizedPnl {
  entries: RealizedPnlEntity[] = [];
  sums: RawTotal[] = [];
  total = '0';
  /** The calls made on the builder that read the entries (getMany). */
  entryQuery: BuilderCall[] = [];
  /** The calls made on the builder that read the totals per symbol (getRawMany). */
  totalsQuery: BuilderCall[] = [];
  readonly rawQueries: { sql: string; params: unknown[] }[] = [];

  /** Isolation levels of the transactions the reads ran in; reads outside one fail. */
  readonly transactions: string[] = [];

  private readonly manager = {
    getRepository: (entity: unknown) => {
      if (entity !== RealizedPnlEntity) throw new Error('P&L is read from realized_pnl only');
      return { createQueryBuilder: (alias: string) => this.builder(alias) };
    },
    query: async (sql: string, params: unknown[]) => {
      this.rawQueries.push({ sql, params });
      return [{ total: this.total }];
    },
  };

  readonly dataSource = {
    transaction: async <T>(isolation: string, work: (manager: unknown) => Promise<T>): Promise<T> => {
      this.transactions.push(isolation);
      return work(this.manager);
    },
  };

  private builder(alias: string) {
    const calls: BuilderCall[] = [['createQueryBuilder', alias]];
    const builder = {
      select: (...args: unknown[]) => record('select', args),
      addSelect: (...args: unknown[]) => record('addSelect', args),
      where: (...args: unknown[]) => record('where', args),
      andWhere: (...args: unknown[]) => record('andWhere', args),
      groupBy: (...args: unknown[]) => record('groupBy', args),
      orderBy: (...args: unknown[]) => record('orderBy', args),
      getMany: async () => {
        this.entryQuery = calls;
        return this.entries;
      },
      getRawMany: async () => {
        this.totalsQuery = calls;
        return this.sums;
      },
    };
    function record(method: string, args: unknown[]) {
      calls.push([method, ...args]);
      return builder;
    }
    return builder;
  }
}

function entity(fields: Partial<RealizedPnlEntity>): RealizedPnlEntity {
  return Object.assign(new RealizedPnlEntity(), {
    id: '1',
    account: 'default',
    symbol: 'AAPL',
    qty: '80',
    buyPrice: '150',
    sellPrice: '170',
    realizedPnl: '1600',
    lotId: '1',
    sellTradeId: '3',
    createdAt: new Date('2026-11-25T14:30:00Z'),
    ...fields,
  });
}

/** The conditions a query was filtered with. */
function conditions(calls: BuilderCall[]): BuilderCall[] {
  return calls.filter(([method]) => method === 'where' || method === 'andWhere');
}

describe('PnlService.get', () => {
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
    await expect(service.get()).resolves.toEqual({ entries: [], totals: [], total: '0' });
  });

  it('reads entries and totals in one REPEATABLE READ transaction, so they agree', async () => {
    await service.get('default', 'AAPL');
    expect(db.transactions).toEqual(['REPEATABLE READ']);
  });

  it("maps each entry with canonical decimals, whatever PostgreSQL's NUMERIC notation", async () => {
    db.entries = [
      entity({
        id: '7',
        account: 'alice',
        symbol: 'AAPL',
        qty: '80.000000',
        buyPrice: '150.0000',
        sellPrice: '170.25',
        realizedPnl: '1620.000',
        lotId: '4',
        sellTradeId: '9',
        createdAt: new Date('2026-11-25T14:30:00.120Z'),
      }),
    ];
    const { entries } = await service.get();
    expect(entries).toEqual([
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
        createdAt: '2026-11-25T14:30:00.120Z',
      },
    ]);
  });

  it('keeps losses and fractions exact, in the order the query returned the entries', async () => {
    db.entries = [
      entity({ id: '1', realizedPnl: '-0.100' }),
      entity({ id: '2', realizedPnl: '0.000' }),
      entity({ id: '3', realizedPnl: '12345678901234567890.123456789012345678' }),
    ];
    const { entries } = await service.get();
    expect(entries.map((e) => [e.id, e.realizedPnl])).toEqual([
      ['1', '-0.1'],
      ['2', '0'],
      ['3', '12345678901234567890.123456789012345678'],
    ]);
  });

  it('reports the totals per symbol as PostgreSQL summed them, in canonical form', async () => {
    db.sums = [
      { symbol: 'AAPL', realizedPnl: '1600.500' },
      { symbol: 'MSFT', realizedPnl: '-20.000' },
      { symbol: 'TSLA', realizedPnl: '0.000' },
    ];
    const { totals } = await service.get();
    expect(totals).toEqual([
      { symbol: 'AAPL', realizedPnl: '1600.5' },
      { symbol: 'MSFT', realizedPnl: '-20' },
      { symbol: 'TSLA', realizedPnl: '0' },
    ]);
  });

  it('reports the overall total exactly, beyond the precision of a double', async () => {
    db.total = '98765432109876543210.123456789012345678000';
    const { total } = await service.get();
    expect(total).toBe('98765432109876543210.123456789012345678');
  });

  it('reads the entries by id, and the totals summed in NUMERIC, as text, per symbol in symbol order', async () => {
    await service.get();
    expect(db.entryQuery).toEqual(expect.arrayContaining([['orderBy', 'e.id']]));
    expect(db.totalsQuery).toEqual(
      expect.arrayContaining([
        ['select', 'e.symbol', 'symbol'],
        ['addSelect', 'SUM(e.realized_pnl)::text', 'realizedPnl'],
        ['groupBy', 'e.symbol'],
        ['orderBy', 'e.symbol'],
      ]),
    );
    expect(db.rawQueries[0]?.sql).toMatch(
      /COALESCE\(SUM\(realized_pnl\), 0\)::text AS total FROM realized_pnl/,
    );
  });

  it('filters nothing without account or symbol', async () => {
    await service.get();
    expect(conditions(db.entryQuery)).toEqual([]);
    expect(conditions(db.totalsQuery)).toEqual([]);
    expect(db.rawQueries).toEqual([{ sql: expect.any(String), params: [null, null] }]);
  });

  it('filters the entries, the totals and the overall total alike by account and symbol', async () => {
    await service.get('alice', 'AAPL');
    const filters = [
      ['andWhere', 'e.account = :account', { account: 'alice' }],
      ['andWhere', 'e.symbol = :symbol', { symbol: 'AAPL' }],
    ];
    expect(conditions(db.entryQuery)).toEqual(filters);
    expect(conditions(db.totalsQuery)).toEqual(filters);
    expect(db.rawQueries).toEqual([{ sql: expect.any(String), params: ['alice', 'AAPL'] }]);
    expect(db.rawQueries[0]?.sql).toMatch(/\(\$1::text IS NULL OR account = \$1\)/);
    expect(db.rawQueries[0]?.sql).toMatch(/\(\$2::text IS NULL OR symbol = \$2\)/);
  });

  it('filters by account alone', async () => {
    await service.get('alice');
    const filters = [['andWhere', 'e.account = :account', { account: 'alice' }]];
    expect(conditions(db.entryQuery)).toEqual(filters);
    expect(conditions(db.totalsQuery)).toEqual(filters);
    expect(db.rawQueries[0]?.params).toEqual(['alice', null]);
  });

  it('filters by symbol alone', async () => {
    await service.get(undefined, 'MSFT');
    const filters = [['andWhere', 'e.symbol = :symbol', { symbol: 'MSFT' }]];
    expect(conditions(db.entryQuery)).toEqual(filters);
    expect(conditions(db.totalsQuery)).toEqual(filters);
    expect(db.rawQueries[0]?.params).toEqual([null, 'MSFT']);
  });
});
