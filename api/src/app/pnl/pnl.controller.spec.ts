import { ListPnlQuery, PnlPage } from '@lotwise/contracts';
import { HttpTestApp, startHttpTestApp } from '../../testing/http-test-app';
import { PnlController } from './pnl.controller';
import { PnlService } from './pnl.service';

const page: PnlPage = {
  items: [
    {
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
      createdAt: '2026-11-25T14:30:00.000Z',
    },
  ],
  nextCursor: null,
  totals: [{ symbol: 'AAPL', realizedPnl: '1600' }],
  total: '1600',
};

describe('PnlController over HTTP', () => {
  let http: HttpTestApp;
  const list = jest.fn<Promise<PnlPage>, [ListPnlQuery]>();

  beforeAll(async () => {
    http = await startHttpTestApp({
      controllers: [PnlController],
      providers: [{ provide: PnlService, useValue: { list } }],
    });
  });

  afterAll(() => http.close());

  beforeEach(() => {
    list.mockReset().mockResolvedValue(page);
  });

  const getJson = (path: string) => http.getJson(path);

  it("answers with the service's page, unfiltered when no parameter is given", async () => {
    await expect(getJson('/pnl')).resolves.toEqual({ status: 200, body: page });
    expect(list).toHaveBeenCalledWith({});
  });

  it('passes the account, the symbol (upper-cased and trimmed), the limit as a number and the cursor', async () => {
    await getJson('/pnl?account=alice&symbol=%20aapl%20&limit=25&cursor=17');
    expect(list).toHaveBeenCalledWith({ account: 'alice', symbol: 'AAPL', limit: 25, cursor: '17' });
  });

  it('passes a symbol alone', async () => {
    await getJson('/pnl?symbol=brk.b');
    expect(list).toHaveBeenCalledWith({ symbol: 'BRK.B' });
  });

  it.each([
    ['account=a%20b', 'account'],
    ['account=', 'account'],
    [`account=${'a'.repeat(65)}`, 'account'],
    ['symbol=AA%24', 'symbol'],
    ['symbol=%20%20', 'symbol'],
    ['symbol=ABCDEFGHIJKLMNOPQ', 'symbol'],
    ['limit=0', 'limit must be at least 1'],
    ['limit=501', 'limit must be at most 500'],
    ['limit=-1', 'limit must be at least 1'],
    ['cursor=abc', 'cursor must be the nextCursor of a previous page'],
    ['cursor=-5', 'cursor must be the nextCursor of a previous page'],
    ['cursor=1234567890123456789', 'cursor must be the nextCursor of a previous page'],
  ])('rejects ?%s with 400 naming the parameter, without calling the service', async (query, message) => {
    const result = await getJson(`/pnl?${query}`);
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringContaining(message)] },
    });
    expect(list).not.toHaveBeenCalled();
  });

  it('rejects an unknown query parameter with 400', async () => {
    const result = await getJson('/pnl?acount=alice');
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['property acount should not exist'] },
    });
    expect(list).not.toHaveBeenCalled();
  });
});
