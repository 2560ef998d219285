import { PnlResponse } from '@lotwise/contracts';
import { HttpTestApp, startHttpTestApp } from '../../testing/http-test-app';
import { PnlController } from './pnl.controller';
import { PnlService } from './pnl.service';

const response: PnlResponse = {
  entries: [
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
      createdAt: '2026-11-25T14:30:00.000Z',
    },
  ],
  totals: [{ symbol: 'AAPL', realizedPnl: '1600' }],
  total: '1600',
};

describe('PnlController over HTTP', () => {
  let http: HttpTestApp;
  const get = jest.fn<Promise<PnlResponse>, [string | undefined, string | undefined]>();

  beforeAll(async () => {
    http = await startHttpTestApp({
      controllers: [PnlController],
      providers: [{ provide: PnlService, useValue: { get } }],
    });
  });

  afterAll(() => http.close());

  beforeEach(() => {
    get.mockReset().mockResolvedValue(response);
  });

  const getJson = (path: string) => http.getJson(path);

  it("answers with the service's P&L, unfiltered when no parameter is given", async () => {
    await expect(getJson('/pnl')).resolves.toEqual({ status: 200, body: response });
    expect(get).toHaveBeenCalledWith(undefined, undefined);
  });

  it('passes the account and the symbol, upper-cased and trimmed, to the service', async () => {
    await getJson('/pnl?account=alice&symbol=%20aapl%20');
    expect(get).toHaveBeenCalledWith('alice', 'AAPL');
  });

  it('passes a symbol alone', async () => {
    await getJson('/pnl?symbol=brk.b');
    expect(get).toHaveBeenCalledWith(undefined, 'BRK.B');
  });

  it.each([
    ['account=a%20b', 'account'],
    ['account=', 'account'],
    [`account=${'a'.repeat(65)}`, 'account'],
    ['symbol=AA%24', 'symbol'],
    ['symbol=%20%20', 'symbol'],
    ['symbol=ABCDEFGHIJKLMNOPQ', 'symbol'],
  ])('rejects ?%s with 400 naming the parameter, without calling the service', async (query, param) => {
    const result = await getJson(`/pnl?${query}`);
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringContaining(param)] },
    });
    expect(get).not.toHaveBeenCalled();
  });

  it('rejects an unknown query parameter with 400', async () => {
    const result = await getJson('/pnl?acount=alice');
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['property acount should not exist'] },
    });
    expect(get).not.toHaveBeenCalled();
  });
});
