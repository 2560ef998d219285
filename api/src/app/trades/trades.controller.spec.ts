import { Trade, TradePage, TradeStatus } from '@lotwise/contracts';
import { ConflictException, NotFoundException } from '@nestjs/common';
import { HttpResult, HttpTestApp, startHttpTestApp } from '../../testing/http-test-app';
import { ListTradesQueryDto } from './dto/list-trades-query.dto';
import { SubmitTradeDto } from './dto/submit-trade.dto';
import { TradesController } from './trades.controller';
import { SubmitResult, TradesService } from './trades.service';

const trade: Trade = {
  id: '42',
  account: 'default',
  symbol: 'AAPL',
  qty: '100',
  price: '150.25',
  executedAt: '2026-11-25T14:30:00.000Z',
  receivedAt: '2026-11-25T14:30:00.120Z',
  status: TradeStatus.Pending,
};

const validBody = { symbol: 'AAPL', qty: '100', price: '150.25' };

/** A copy of the object without one field, as a client that left it out would send it. */
function without<T extends object>(value: T, field: keyof T): Partial<T> {
  const copy: Partial<T> = { ...value };
  delete copy[field];
  return copy;
}

describe('TradesController over HTTP', () => {
  let http: HttpTestApp;
  const submit = jest.fn<Promise<SubmitResult>, [SubmitTradeDto]>();
  const get = jest.fn<Promise<Trade>, [string]>();
  const list = jest.fn<Promise<TradePage>, [ListTradesQueryDto]>();

  beforeAll(async () => {
    http = await startHttpTestApp({
      controllers: [TradesController],
      providers: [{ provide: TradesService, useValue: { submit, get, list } }],
    });
  });

  afterAll(() => http.close());

  beforeEach(() => {
    submit.mockReset().mockResolvedValue({ trade, created: true });
    get.mockReset().mockResolvedValue(trade);
    list.mockReset().mockResolvedValue({ items: [trade], nextCursor: null });
  });

  const post = (body: unknown): Promise<HttpResult> => http.postJson('/trades', body);
  const getJson = (path: string): Promise<HttpResult> => http.getJson(path);

  function badRequestNaming(field: string) {
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: expect.arrayContaining([expect.stringContaining(field)]),
    };
  }

  describe('POST /trades', () => {
    it("answers 202 with the service's trade when it was created", async () => {
      const result = await post(validBody);
      expect(result).toEqual({ status: 202, body: trade });
    });

    it('answers 200 with the existing trade when the service reports a replay', async () => {
      submit.mockResolvedValue({ trade: { ...trade, clientTradeId: 'order-1' }, created: false });
      const result = await post({ ...validBody, clientTradeId: 'order-1' });
      expect(result).toEqual({ status: 200, body: { ...trade, clientTradeId: 'order-1' } });
    });

    it('passes a lower-case, padded symbol to the service upper-cased and trimmed', async () => {
      await post({ ...validBody, symbol: ' aapl ' });
      expect(submit).toHaveBeenCalledWith(expect.objectContaining({ symbol: 'AAPL' }));
    });

    it('passes decimals sent as JSON numbers through to the service', async () => {
      await post({ symbol: 'AAPL', qty: -80, price: 170.5 });
      expect(submit).toHaveBeenCalledWith(expect.objectContaining({ qty: -80, price: 170.5 }));
    });

    it("answers 409 with the service's conflict when a clientTradeId is reused", async () => {
      submit.mockRejectedValue(new ConflictException('clientTradeId order-1 was already used'));
      const result = await post({ ...validBody, clientTradeId: 'order-1' });
      expect(result).toEqual({
        status: 409,
        body: { statusCode: 409, message: 'clientTradeId order-1 was already used', error: 'Conflict' },
      });
    });

    const withoutSymbol = without(validBody, 'symbol');
    it.each<[string, unknown, string]>([
      ['a missing symbol', withoutSymbol, 'symbol'],
      ['a symbol of 17 characters', { ...validBody, symbol: 'ABCDEFGHIJKLMNOPQ' }, 'symbol'],
      ["a symbol with '$'", { ...validBody, symbol: 'AA$' }, 'symbol'],
      ['a numeric symbol', { ...validBody, symbol: 123 }, 'symbol'],
      ['a missing qty', { symbol: 'AAPL', price: '1' }, 'qty'],
      ['qty 0', { ...validBody, qty: 0 }, 'qty must not be 0'],
      ["qty '0'", { ...validBody, qty: '0' }, 'qty must not be 0'],
      ["qty 'abc'", { ...validBody, qty: 'abc' }, 'qty'],
      ["qty '1e5'", { ...validBody, qty: '1e5' }, 'qty'],
      ['qty with 19 fractional digits', { ...validBody, qty: '0.1234567890123456789' }, 'qty'],
      [
        'qty as a JSON number with 17 significant digits',
        '{"symbol":"AAPL","qty":0.12345678901234567,"price":"1"}',
        'qty must be sent as a string',
      ],
      ["qty 'NaN'", { ...validBody, qty: 'NaN' }, 'qty'],
      ["qty 'Infinity'", { ...validBody, qty: 'Infinity' }, 'qty'],
      ['qty true', { ...validBody, qty: true }, 'qty'],
      ['price 0', { ...validBody, price: '0' }, 'price must be greater than 0'],
      ['a negative price', { ...validBody, price: '-5' }, 'price must be greater than 0'],
      ["executedAt 'yesterday'", { ...validBody, executedAt: 'yesterday' }, 'executedAt'],
      [
        'executedAt without a time zone',
        { ...validBody, executedAt: '2026-11-25T10:00:00' },
        'executedAt must include a time and a time zone',
      ],
      ['an account with spaces', { ...validBody, account: 'my account' }, 'account'],
      [
        'a clientTradeId of 129 characters',
        { ...validBody, clientTradeId: 'x'.repeat(129) },
        'clientTradeId',
      ],
      ['an unknown field', { ...validBody, foo: 1 }, 'property foo should not exist'],
      [
        'a field named like an Object method',
        { ...validBody, toString: 1 },
        'property toString should not exist',
      ],
      ['an explicit null executedAt', { ...validBody, executedAt: null }, 'executedAt'],
      ['an explicit null account', { ...validBody, account: null }, 'account'],
      ['an explicit null clientTradeId', { ...validBody, clientTradeId: null }, 'clientTradeId'],
    ])('rejects %s with 400 naming the field', async (_label, body, field) => {
      const result = await post(body);
      expect(result).toEqual({ status: 400, body: badRequestNaming(field) });
    });

    it.each<[string, unknown]>([
      ['a missing symbol', withoutSymbol],
      ["qty 'abc'", { ...validBody, qty: 'abc' }],
      ['price 0', { ...validBody, price: '0' }],
      ['executedAt without a time zone', { ...validBody, executedAt: '2026-11-25T10:00:00' }],
      ['an unknown field', { ...validBody, foo: 1 }],
      ['an explicit null executedAt', { ...validBody, executedAt: null }],
    ])('never calls the service for %s', async (_label, body) => {
      await post(body);
      expect(submit).not.toHaveBeenCalled();
    });

    it('reports every invalid field at once', async () => {
      const result = await post({ symbol: 'AA$', qty: 'abc', price: '0' });
      const messages = (result.body as { message: string[] }).message;
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringContaining('symbol'),
          expect.stringContaining('qty'),
          expect.stringContaining('price'),
        ]),
      );
    });

    it('rejects a JSON array body with 400 and does not call the service', async () => {
      const result = await post([validBody]);
      expect(result).toEqual({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: expect.any(Array) },
      });
      expect(submit).not.toHaveBeenCalled();
    });

    it('rejects malformed JSON with 400', async () => {
      const result = await post('{"symbol": "AAPL", "qty": ');
      expect(result.status).toBe(400);
      expect(result.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [expect.stringMatching(/^body is not valid JSON: /)],
      });
      expect(submit).not.toHaveBeenCalled();
    });

    it('rejects a body over 64 KB with 413 in the usual error shape', async () => {
      const result = await post({ ...validBody, clientTradeId: 'x'.repeat(70 * 1024) });
      expect(result.status).toBe(413);
      expect(result.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'request body is over 64 KB',
      });
      expect(submit).not.toHaveBeenCalled();
    });

    it('accepts a body just under 64 KB as far as the body parser is concerned', async () => {
      const padding = 'x'.repeat(60 * 1024);
      const result = await post({ ...validBody, clientTradeId: padding });
      expect(result.status).toBe(400);
      expect(result.body).toEqual(badRequestNaming('clientTradeId'));
    });
  });

  describe('GET /trades/:id', () => {
    it('answers with the trade the service finds', async () => {
      const result = await getJson('/trades/42');
      expect(get).toHaveBeenCalledWith('42');
      expect(result).toEqual({ status: 200, body: trade });
    });

    it("passes the service's 404 through", async () => {
      get.mockRejectedValue(new NotFoundException('trade 9 not found'));
      const result = await getJson('/trades/9');
      expect(result).toEqual({
        status: 404,
        body: { statusCode: 404, message: 'trade 9 not found', error: 'Not Found' },
      });
    });
  });

  describe('GET /trades', () => {
    it('passes a converted query to the service and answers with its page', async () => {
      const result = await getJson('/trades?limit=10&symbol=aapl&status=APPLIED&cursor=17');
      expect(list).toHaveBeenCalledWith(
        expect.objectContaining({ limit: 10, symbol: 'AAPL', status: 'APPLIED', cursor: '17' }),
      );
      expect(result).toEqual({ status: 200, body: { items: [trade], nextCursor: null } });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=500', 'limit'],
      ['limit=abc', 'limit'],
      ['status=FOO', 'status'],
      ['cursor=abc', 'cursor'],
      ['account=a%20b', 'account'],
    ])('rejects ?%s with 400 naming the parameter', async (query, param) => {
      const result = await getJson(`/trades?${query}`);
      expect(result).toEqual({ status: 400, body: badRequestNaming(param) });
      expect(list).not.toHaveBeenCalled();
    });
  });
});
