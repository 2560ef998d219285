import { KafkaTopic, LotPage, LotwiseStreamEvent, PnlPage, PositionPage, Trade } from '@lotwise/contracts';
import { Pool } from 'pg';
import { compareBooksWithReplay } from './support/books';
import { deadLetters, matcherCaughtUp, produceRaw } from './support/kafka';
import {
  ApiClient,
  AppProcess,
  database,
  startApi,
  startMatcher,
  stop,
  uniqueAccount,
} from './support/stack';

// HTTP → outbox → Kafka → matcher → PostgreSQL → HTTP, on the real stack.
describe('trade pipeline (real PostgreSQL + Kafka)', () => {
  const api = new ApiClient('http://127.0.0.1:13001');
  let apiProcess: AppProcess;
  let matcher: AppProcess;
  let db: Pool;

  beforeAll(async () => {
    db = database();
    [apiProcess, matcher] = await Promise.all([startApi(13001), startMatcher(13101)]);
  });

  afterAll(async () => {
    await Promise.all([stop(apiProcess), stop(matcher)]);
    await db?.end();
  });

  const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 10, minute)).toISOString();
  const positionsOf = async (account: string) =>
    (await api.get<PositionPage>(`/positions?account=${account}`)).items;
  const lotsOf = async (account: string, symbol: string) =>
    (await api.get<LotPage>(`/positions/${account}/${symbol}/lots`)).items;
  const pnlOf = (account: string) => api.get<PnlPage>(`/pnl?account=${account}`);

  it('settles the seed scenario exactly: lots keep 20 and 50, one entry of 80 with P&L 1600', async () => {
    const account = uniqueAccount('seed');
    const buy1 = await api.submit({ account, symbol: 'aapl', qty: 100, price: 150, executedAt: at(1) });
    const buy2 = await api.submit({ account, symbol: 'AAPL', qty: '50', price: '160', executedAt: at(2) });
    const sell = await api.submit({ account, symbol: 'AAPL', qty: -80, price: 170, executedAt: at(3) });
    expect(buy1).toMatchObject({ status: 'PENDING', symbol: 'AAPL', qty: '100', price: '150' });

    const settled = await api.settled([buy1.id, buy2.id, sell.id]);
    expect(settled.map((t) => t.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);

    expect(await api.get<PositionPage>(`/positions?account=${account}`)).toEqual({
      items: [
        {
          account,
          symbol: 'AAPL',
          quantity: '70',
          costBasis: '11000',
          averageCost: '157.142857142857142857',
        },
      ],
      nextCursor: null,
    });
    const lots = await lotsOf(account, 'AAPL');
    expect(lots).toEqual([
      expect.objectContaining({
        tradeId: buy1.id,
        qty: '100',
        remainingQty: '20',
        price: '150',
        openedAt: at(1),
      }),
      expect.objectContaining({
        tradeId: buy2.id,
        qty: '50',
        remainingQty: '50',
        price: '160',
        openedAt: at(2),
      }),
    ]);
    const pnl = await pnlOf(account);
    expect(pnl.nextCursor).toBeNull();
    expect(pnl.items).toEqual([
      expect.objectContaining({
        account,
        symbol: 'AAPL',
        qty: '80',
        buyPrice: '150',
        sellPrice: '170',
        realizedPnl: '1600',
        lotId: lots[0]?.id,
        sellTradeId: sell.id,
        executedAt: at(3),
      }),
    ]);
    expect(pnl.totals).toEqual([{ symbol: 'AAPL', realizedPnl: '1600' }]);
    expect(pnl.total).toBe('1600');
  });

  it('answers a retried clientTradeId with 200 and the same trade, a conflicting one with 409', async () => {
    const account = uniqueAccount('idem');
    const body = { account, symbol: 'MSFT', qty: '10', price: '300.5', clientTradeId: 'order-1' };
    const first = await api.post('/trades', body);
    const again = await api.post('/trades', body);
    const conflict = await api.post('/trades', { ...body, qty: '11' });

    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect((again.body as Trade).id).toBe((first.body as Trade).id);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, message: expect.stringContaining('order-1') });
    const { rows } = await db.query('SELECT count(*)::int AS n FROM trades WHERE account = $1', [account]);
    expect(rows[0].n).toBe(1);
  });

  it('ignores the same Kafka event delivered twice', async () => {
    const account = uniqueAccount('dup');
    const buy = await api.submit({ account, symbol: 'DUP', qty: '5', price: '10', executedAt: at(1) });
    const sell = await api.submit({ account, symbol: 'DUP', qty: '-2', price: '12', executedAt: at(2) });
    await api.settled([buy.id, sell.id]);
    const { rows } = await db.query<{ message_key: string; payload: unknown }>(
      "SELECT message_key, payload FROM outbox WHERE payload->>'tradeId' = ANY($1) ORDER BY id",
      [[buy.id, sell.id]],
    );
    for (const row of rows)
      await produceRaw(KafkaTopic.TradeSubmitted, row.message_key, JSON.stringify(row.payload));
    await matcherCaughtUp();

    const lots = await db.query('SELECT trim_scale(remaining_qty)::text AS r FROM lots WHERE account = $1', [
      account,
    ]);
    const entries = await db.query('SELECT count(*)::int AS n FROM realized_pnl WHERE account = $1', [
      account,
    ]);
    expect(lots.rows).toEqual([{ r: '3' }]);
    expect(entries.rows[0].n).toBe(1);
    expect(await compareBooksWithReplay(db, [account])).toEqual([]);
  });

  it('rejects an oversell and a sell with no lots, with reasons, changing nothing', async () => {
    const account = uniqueAccount('over');
    const buy = await api.submit({ account, symbol: 'TSLA', qty: '10', price: '200', executedAt: at(1) });
    const oversell = await api.submit({
      account,
      symbol: 'TSLA',
      qty: '-15',
      price: '210',
      executedAt: at(2),
    });
    const noLots = await api.submit({ account, symbol: 'NVDA', qty: '-1', price: '100', executedAt: at(3) });

    const [, over, none] = await api.settled([buy.id, oversell.id, noLots.id]);
    expect(over).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'insufficient quantity: open 10, sell 15',
    });
    expect(none).toMatchObject({ status: 'REJECTED', rejectReason: 'insufficient quantity: open 0, sell 1' });
    expect((await positionsOf(account)).map((p) => [p.symbol, p.quantity])).toEqual([['TSLA', '10']]);
    expect(await lotsOf(account, 'NVDA')).toEqual([]);
    expect(await pnlOf(account)).toEqual({ items: [], nextCursor: null, totals: [], total: '0' });
  });

  it('applies a backdated buy by replaying history: the sell then consumes the earlier lot', async () => {
    const account = uniqueAccount('backbuy');
    const lateBuy = await api.submit({
      account,
      symbol: 'AMZN',
      qty: '10',
      price: '120',
      executedAt: at(10),
    });
    const sell = await api.submit({ account, symbol: 'AMZN', qty: '-4', price: '130', executedAt: at(20) });
    await api.settled([lateBuy.id, sell.id]);
    expect((await pnlOf(account)).total).toBe('40');

    const earlyBuy = await api.submit({ account, symbol: 'AMZN', qty: '5', price: '100', executedAt: at(5) });
    await api.settled([earlyBuy.id]);

    const pnl = await pnlOf(account);
    expect(pnl.items.map((e) => [e.qty, e.buyPrice, e.realizedPnl, e.executedAt])).toEqual([
      ['4', '100', '120', at(20)],
    ]);
    expect((await lotsOf(account, 'AMZN')).map((l) => [l.tradeId, l.remainingQty])).toEqual([
      [earlyBuy.id, '1'],
      [lateBuy.id, '10'],
    ]);
    expect(await compareBooksWithReplay(db, [account])).toEqual([]);
  });

  it('rejects a backdated sell that would leave a later sell short, and changes nothing', async () => {
    const account = uniqueAccount('backsell');
    const buy = await api.submit({ account, symbol: 'META', qty: '10', price: '50', executedAt: at(1) });
    const sell = await api.submit({ account, symbol: 'META', qty: '-8', price: '60', executedAt: at(20) });
    await api.settled([buy.id, sell.id]);
    const before = await pnlOf(account);

    const backdated = await api.submit({
      account,
      symbol: 'META',
      qty: '-5',
      price: '55',
      executedAt: at(10),
    });
    const [result] = await api.settled([backdated.id]);

    expect(result?.status).toBe('REJECTED');
    expect(result?.rejectReason).toBe(
      `backdated trade would invalidate trade ${sell.id} (insufficient quantity: open 5, sell 8)`,
    );
    expect(await pnlOf(account)).toEqual(before);
    expect((await positionsOf(account))[0]).toMatchObject({
      quantity: '2',
      costBasis: '100',
      averageCost: '50',
    });
  });

  it('dead-letters an event that can never be applied, with its reason, and keeps going', async () => {
    await produceRaw(KafkaTopic.TradeSubmitted, 'default|BAD', '{"eventVersion":1,"tradeId":"x"}');
    await produceRaw(KafkaTopic.TradeSubmitted, 'default|BAD', 'not json at all');
    const account = uniqueAccount('afterdlq');
    const buy = await api.submit({ account, symbol: 'OK', qty: '1', price: '1' });
    await api.settled([buy.id]);
    await matcherCaughtUp();

    const parked = await deadLetters();
    expect(parked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          rawValue: '{"eventVersion":1,"tradeId":"x"}',
          error: expect.stringContaining('tradeId'),
        }),
        expect.objectContaining({
          rawValue: 'not json at all',
          error: expect.stringContaining('not a JSON object'),
        }),
      ]),
    );
  });

  it('streams a trade from submitted to settled over GET /events', async () => {
    const account = uniqueAccount('sse');
    const controller = new AbortController();
    const response = await fetch(`${api.baseUrl}/events?account=${account}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const seen: LotwiseStreamEvent[] = [];
    const reading = (async () => {
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('data: ')) seen.push(JSON.parse(line.slice(6)) as LotwiseStreamEvent);
        }
        if (seen.some((e) => e.type === 'trade.settled')) return;
      }
    })();
    // Another account's trade must not reach this stream.
    await api.submit({ account: uniqueAccount('other'), symbol: 'SSE', qty: '1', price: '1' });
    const trade = await api.submit({ account, symbol: 'SSE', qty: '-1', price: '1' });
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    controller.abort();

    expect(seen.map((e) => e.type)).toEqual(['trade.submitted', 'trade.settled']);
    expect(seen[0]).toMatchObject({ trade: { id: trade.id, status: 'PENDING' } });
    expect(seen[1]).toMatchObject({
      settlement: {
        tradeId: trade.id,
        account,
        status: 'REJECTED',
        rejectReason: 'insufficient quantity: open 0, sell 1',
      },
    });
  });

  describe('bad input', () => {
    const valid = { symbol: 'AAPL', qty: '1', price: '1' };
    const cases: Array<[string, string, unknown]> = [
      ['missing symbol', 'symbol', { qty: '1', price: '1' }],
      ['symbol with $', 'symbol', { ...valid, symbol: 'AA$' }],
      ['symbol too long', 'symbol', { ...valid, symbol: 'A'.repeat(17) }],
      ['qty zero', 'qty', { ...valid, qty: 0 }],
      ['qty text', 'qty', { ...valid, qty: 'ten' }],
      ['qty NaN', 'qty', { ...valid, qty: 'NaN' }],
      ['qty Infinity', 'qty', { ...valid, qty: 'Infinity' }],
      ['qty exponent', 'qty', { ...valid, qty: '1e400' }],
      ['qty 19 decimals', 'qty', { ...valid, qty: '0.0000000000000000001' }],
      ['qty empty', 'qty', { ...valid, qty: '' }],
      ['qty huge', 'qty', { ...valid, qty: '9'.repeat(5000) }],
      ['price zero', 'price', { ...valid, price: '0' }],
      ['price negative', 'price', { ...valid, price: -5 }],
      ['executedAt not a date', 'executedAt', { ...valid, executedAt: 'yesterday' }],
      ['executedAt without zone', 'executedAt', { ...valid, executedAt: '2026-01-05T10:00:00' }],
      ['executedAt in the future', 'executedAt', { ...valid, executedAt: '2999-01-01T00:00:00Z' }],
      ['account with space', 'account', { ...valid, account: 'my account' }],
      ['clientTradeId too long', 'clientTradeId', { ...valid, clientTradeId: 'x'.repeat(129) }],
      ['unknown field', 'fee', { ...valid, fee: '1' }],
      ['unknown field named like a prototype key', 'toString', { ...valid, toString: 1 }],
      ['null for an optional field', 'clientTradeId', { ...valid, clientTradeId: null }],
      ['malformed JSON', 'JSON', '{"symbol": "AAPL",'],
    ];

    it.each(cases)('%s → 400 naming %s, nothing written', async (_name, field, body) => {
      const before = await db.query(
        'SELECT (SELECT count(*) FROM trades)::int AS trades, (SELECT count(*) FROM outbox)::int AS outbox',
      );
      const response = await api.post('/trades', body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const messages = ([] as string[]).concat((response.body as { message: string | string[] }).message);
      expect(messages.some((m) => m.includes(field))).toBe(true);
      const after = await db.query(
        'SELECT (SELECT count(*) FROM trades)::int AS trades, (SELECT count(*) FROM outbox)::int AS outbox',
      );
      expect(after.rows).toEqual(before.rows);
    });

    it('refuses a body over 64 KB with 413', async () => {
      const response = await api.post('/trades', { ...valid, clientTradeId: 'x', pad: 'y'.repeat(70_000) });
      expect(response.status).toBe(413);
    });
  });
});
