import { PnlResponse } from '@lotwise/contracts';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { configureApp } from '../configure-app';
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
  let app: NestExpressApplication;
  let baseUrl: string;
  const get = jest.fn<Promise<PnlResponse>, [string | undefined, string | undefined]>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [PnlController],
      providers: [{ provide: PnlService, useValue: { get } }],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(app);
    await app.init();
    await app.listen(0);
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(() => {
    get.mockReset().mockResolvedValue(response);
  });

  async function getJson(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  }

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
