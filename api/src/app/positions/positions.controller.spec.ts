import { PositionsResponse } from '@lotwise/contracts';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { configureApp } from '../configure-app';
import { PositionsController } from './positions.controller';
import { PositionsService } from './positions.service';

const response: PositionsResponse = {
  positions: [
    {
      account: 'default',
      symbol: 'AAPL',
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
      lots: [],
    },
  ],
};

describe('PositionsController over HTTP', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  const list = jest.fn<Promise<PositionsResponse>, [string | undefined, string | undefined]>();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [PositionsController],
      providers: [{ provide: PositionsService, useValue: { list } }],
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
    list.mockReset().mockResolvedValue(response);
  });

  async function getJson(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as unknown };
  }

  it("answers with the service's positions", async () => {
    await expect(getJson('/positions')).resolves.toEqual({ status: 200, body: response });
    expect(list).toHaveBeenCalledWith(undefined, undefined);
  });

  it('filters by account and by the upper-cased symbol', async () => {
    await getJson('/positions?account=alice&symbol=aapl');
    expect(list).toHaveBeenCalledWith('alice', 'AAPL');
  });

  it.each([
    ['account=a%20b', 'account'],
    ['symbol=AA%24', 'symbol'],
  ])('rejects ?%s with 400 naming the parameter', async (query, param) => {
    const result = await getJson(`/positions?${query}`);
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [expect.stringContaining(param)] },
    });
    expect(list).not.toHaveBeenCalled();
  });

  it('rejects an unknown query parameter with 400', async () => {
    const result = await getJson('/positions?acount=alice');
    expect(result).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: ['property acount should not exist'] },
    });
  });
});
