import { PositionsResponse } from '@lotwise/contracts';
import { HttpTestApp, startHttpTestApp } from '../../testing/http-test-app';
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
  let http: HttpTestApp;
  const list = jest.fn<Promise<PositionsResponse>, [string | undefined, string | undefined]>();

  beforeAll(async () => {
    http = await startHttpTestApp({
      controllers: [PositionsController],
      providers: [{ provide: PositionsService, useValue: { list } }],
    });
  });

  afterAll(() => http.close());

  beforeEach(() => {
    list.mockReset().mockResolvedValue(response);
  });

  const getJson = (path: string) => http.getJson(path);

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
