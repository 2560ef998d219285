import { ListLotsQuery, ListPositionsQuery, LotPage, PositionPage } from '@lotwise/contracts';
import { HttpTestApp, startHttpTestApp } from '../../testing/http-test-app';
import { PositionsController } from './positions.controller';
import { PositionsService } from './positions.service';

const positionPage: PositionPage = {
  items: [
    {
      account: 'default',
      symbol: 'AAPL',
      quantity: '70',
      costBasis: '11000',
      averageCost: '157.142857142857142857',
    },
  ],
  nextCursor: 'default:AAPL',
};

const lotPage: LotPage = {
  items: [
    {
      id: '1',
      tradeId: '11',
      qty: '100',
      remainingQty: '20',
      price: '150',
      openedAt: '2026-11-25T14:30:00.000Z',
    },
  ],
  nextCursor: '2026-11-25T14:30:00.000000Z_11',
};

describe('PositionsController over HTTP', () => {
  let http: HttpTestApp;
  const list = jest.fn<Promise<PositionPage>, [ListPositionsQuery]>();
  const lots = jest.fn<Promise<LotPage>, [string, string, ListLotsQuery]>();

  beforeAll(async () => {
    http = await startHttpTestApp({
      controllers: [PositionsController],
      providers: [{ provide: PositionsService, useValue: { list, lots } }],
    });
  });

  afterAll(() => http.close());

  beforeEach(() => {
    list.mockReset().mockResolvedValue(positionPage);
    lots.mockReset().mockResolvedValue(lotPage);
  });

  const getJson = (path: string) => http.getJson(path);
  const badRequest = (message: unknown) => ({
    status: 400,
    body: { statusCode: 400, error: 'Bad Request', message },
  });

  describe('GET /positions', () => {
    it("answers with the service's page, unfiltered and with the default limit when nothing is given", async () => {
      await expect(getJson('/positions')).resolves.toEqual({ status: 200, body: positionPage });
      expect(list).toHaveBeenCalledWith({});
    });

    it('passes the filters (symbol upper-cased), the limit as a number and the cursor', async () => {
      await getJson('/positions?account=alice&symbol=aapl&limit=500&cursor=alice:AAPL');
      expect(list).toHaveBeenCalledWith({
        account: 'alice',
        symbol: 'AAPL',
        limit: 500,
        cursor: 'alice:AAPL',
      });
    });

    it.each([
      ['account=a%20b', 'account must be 1-64 characters'],
      ['symbol=AA%24', 'symbol must be 1-16 characters'],
      ['limit=0', 'limit must be at least 1'],
      ['limit=501', 'limit must be at most 500'],
      ['limit=abc', 'limit must be a whole number'],
      ['limit=2.5', 'limit must be a whole number'],
      ['cursor=alice', 'cursor must be the nextCursor of a previous page'],
      ['cursor=alice:aapl', 'cursor must be the nextCursor of a previous page'],
      ['cursor=a%20b:AAPL', 'cursor must be the nextCursor of a previous page'],
    ])('rejects ?%s with 400 naming the field, without calling the service', async (query, message) => {
      await expect(getJson(`/positions?${query}`)).resolves.toEqual(
        badRequest(expect.arrayContaining([expect.stringContaining(message)])),
      );
      expect(list).not.toHaveBeenCalled();
    });

    it('rejects an unknown query parameter with 400', async () => {
      await expect(getJson('/positions?acount=alice')).resolves.toEqual(
        badRequest(['property acount should not exist']),
      );
      expect(list).not.toHaveBeenCalled();
    });
  });

  describe('GET /positions/:account/:symbol/lots', () => {
    it("answers with the service's page of one position, symbol upper-cased", async () => {
      await expect(getJson('/positions/alice/aapl/lots')).resolves.toEqual({ status: 200, body: lotPage });
      expect(lots).toHaveBeenCalledWith('alice', 'AAPL', {});
    });

    it('passes the limit as a number and the cursor', async () => {
      await getJson('/positions/desk-2/BRK.B/lots?limit=1&cursor=2026-11-25T14:30:00.000000Z_11');
      expect(lots).toHaveBeenCalledWith('desk-2', 'BRK.B', {
        limit: 1,
        cursor: '2026-11-25T14:30:00.000000Z_11',
      });
    });

    it.each([
      ['/positions/a%20b/AAPL/lots', 'account must be 1-64 characters'],
      ['/positions/alice/AA%24/lots', 'symbol must be 1-16 characters'],
      ['/positions/alice/ABCDEFGHIJKLMNOPQ/lots', 'symbol must be 1-16 characters'],
      ['/positions/alice/AAPL/lots?limit=0', 'limit must be at least 1'],
      ['/positions/alice/AAPL/lots?limit=1000', 'limit must be at most 500'],
      ['/positions/alice/AAPL/lots?cursor=11', 'cursor must be the nextCursor of a previous page'],
      // Milliseconds only: a cursor carries PostgreSQL's microseconds.
      [
        '/positions/alice/AAPL/lots?cursor=2026-11-25T14:30:00.000Z_11',
        'cursor must be the nextCursor of a previous page',
      ],
      [
        '/positions/alice/AAPL/lots?cursor=2026-02-30T14:30:00.000000Z_11',
        'cursor must be the nextCursor of a previous page',
      ],
      [
        '/positions/alice/AAPL/lots?cursor=2026-11-25T24:30:00.000000Z_11',
        'cursor must be the nextCursor of a previous page',
      ],
      [
        '/positions/alice/AAPL/lots?cursor=2026-11-25T14:30:00.000000Z_1234567890123456789',
        'cursor must be the nextCursor of a previous page',
      ],
    ])('rejects %s with 400 naming the field, without calling the service', async (path, message) => {
      await expect(getJson(path)).resolves.toEqual(badRequest([expect.stringContaining(message)]));
      expect(lots).not.toHaveBeenCalled();
    });

    it('rejects an unknown query parameter with 400', async () => {
      await expect(getJson('/positions/alice/AAPL/lots?after=x')).resolves.toEqual(
        badRequest(['property after should not exist']),
      );
      expect(lots).not.toHaveBeenCalled();
    });
  });
});
