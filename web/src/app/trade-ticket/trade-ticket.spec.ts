import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatButtonToggleHarness } from '@angular/material/button-toggle/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import type { ApiErrorBody, SubmitTradeRequest, Trade } from '@lotwise/contracts';
import { AccountService } from '../core/account.service';
import { TRADE_POLL_TIMING } from '../core/data/trade-status-tracker.service';
import { API, FakeEventSources, provideDashboardTesting, trade } from '../../testing/fakes';
import { TradeTicket } from './trade-ticket';

describe('TradeTicket', () => {
  let fixture: ComponentFixture<TradeTicket>;
  let loader: HarnessLoader;
  let http: HttpTestingController;
  let sources: FakeEventSources;

  async function setUp(options: { locale?: string; pollFast?: boolean } = {}) {
    sources = new FakeEventSources();
    TestBed.configureTestingModule({
      imports: [TradeTicket],
      providers: [
        provideDashboardTesting({ sources, locale: options.locale }),
        ...(options.pollFast
          ? [
              {
                provide: TRADE_POLL_TIMING,
                useValue: { intervalMs: 20, maxIntervalMs: 40, streamGraceMs: 60_000, tickMs: 10 },
              },
            ]
          : []),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TradeTicket);
    loader = TestbedHarnessEnvironment.loader(fixture);
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  const field = (label: string) => loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: label }));
  const input = async (label: string) =>
    (await field(label)).getControl(MatInputHarness) as Promise<MatInputHarness>;
  const type = async (label: string, value: string) => {
    const control = await input(label);
    await control.setValue(value);
    await control.blur();
  };
  const errorsOf = async (label: string) => (await field(label)).getTextErrors();
  const addTrade = async () =>
    (await loader.getHarness(MatButtonHarness.with({ text: 'Add trade' }))).click();
  const text = () => (fixture.nativeElement as HTMLElement).textContent ?? '';

  async function fillValidTrade(values: Partial<Record<'Symbol' | 'Quantity' | 'Price', string>> = {}) {
    await type('Symbol', values.Symbol ?? 'aapl');
    await type('Quantity', values.Quantity ?? '100');
    await type('Price', values.Price ?? '150');
  }

  function expectPost(): { request: SubmitTradeRequest; respond: (trade: Trade, status?: number) => void } {
    const req = http.expectOne({ method: 'POST', url: `${API}/trades` });
    return {
      request: req.request.body as SubmitTradeRequest,
      respond: (answer, status = 202) => req.flush(answer, { status, statusText: 'Accepted' }),
    };
  }

  describe('validation', () => {
    beforeEach(() => setUp());

    it('labels every field and names the submit button "Add trade"', async () => {
      for (const label of ['Symbol', 'Quantity', 'Price', 'Executed at', 'Account']) {
        expect(await field(label)).toBeTruthy();
      }
      expect(await loader.getHarness(MatButtonToggleHarness.with({ text: 'Buy' }))).toBeTruthy();
      expect(await (await loader.getHarness(MatButtonToggleHarness.with({ text: 'Buy' }))).isChecked()).toBe(
        true,
      );
      expect(text()).toContain('Side');
    });

    it('requires symbol, quantity and price and sends nothing', async () => {
      await addTrade();

      expect(await errorsOf('Symbol')).toEqual(['Symbol is required']);
      expect(await errorsOf('Quantity')).toEqual(['Quantity is required']);
      expect(await errorsOf('Price')).toEqual(['Price is required']);
      expect(await errorsOf('Executed at')).toEqual([]);
      expect(await errorsOf('Account')).toEqual([]);
      http.expectNone(`${API}/trades`);
    });

    it('checks the symbol pattern after upper-casing', async () => {
      await type('Symbol', 'brk.b');
      expect(await errorsOf('Symbol')).toEqual([]);

      await type('Symbol', 'AAPL$');
      expect(await errorsOf('Symbol')).toEqual(["Symbol must be 1–16 characters of A–Z, 0–9, '.' or '-'"]);

      await type('Symbol', 'ABCDEFGHIJKLMNOPQ');
      expect(await errorsOf('Symbol')).toEqual(["Symbol must be 1–16 characters of A–Z, 0–9, '.' or '-'"]);
    });

    it.each([
      ['0', 'Quantity must be greater than 0'],
      ['0.000', 'Quantity must be greater than 0'],
      ['-5', 'Quantity must be a number such as 12.5 (no grouping separators or sign)'],
      ['1,000', 'Quantity must be a number such as 12.5 (no grouping separators or sign)'],
      ['abc', 'Quantity must be a number such as 12.5 (no grouping separators or sign)'],
      ['0.0000000000000000001', 'Quantity may have at most 18 decimal places'],
    ])('rejects quantity %s', async (value, message) => {
      await type('Quantity', value);
      expect(await errorsOf('Quantity')).toEqual([message]);
    });

    it('accepts a quantity with exactly 18 decimal places', async () => {
      await type('Quantity', '0.000000000000000001');
      expect(await errorsOf('Quantity')).toEqual([]);
    });

    it.each([
      ['0', 'Price must be greater than 0'],
      ['-150', 'Price must be a number such as 12.5 (no grouping separators or sign)'],
    ])('rejects price %s', async (value, message) => {
      await type('Price', value);
      expect(await errorsOf('Price')).toEqual([message]);
    });

    it('rejects an execution time more than 5 minutes ahead and a malformed account', async () => {
      const tenMinutesAhead = new Date(Date.now() + 10 * 60_000);
      const local = new Date(tenMinutesAhead.getTime() - tenMinutesAhead.getTimezoneOffset() * 60_000)
        .toISOString()
        .slice(0, 19);
      await type('Executed at', local);
      await type('Account', 'bad account!');

      expect(await errorsOf('Executed at')).toEqual(['Executed at must not be in the future']);
      expect(await errorsOf('Account')).toEqual([
        "Account must be 1–64 characters of A–Z, a–z, 0–9, '_' or '-'",
      ]);
    });

    it('previews the order with its exact notional', async () => {
      await fillValidTrade({ Quantity: '0.3', Price: '3' });
      expect(text()).toMatch(/Buy\s*0\.3 AAPL @ 3\.00\s*= 0\.90/);
    });
  });

  describe('submitting', () => {
    beforeEach(() => setUp());

    it('sends decimals as strings, the sign from Side and the selected account', async () => {
      TestBed.inject(AccountService).select('desk-1');
      await fillValidTrade({ Quantity: '80.123456789012345678', Price: '170.5' });
      await (await loader.getHarness(MatButtonToggleHarness.with({ text: 'Sell' }))).check();
      await addTrade();

      const { request, respond } = expectPost();
      expect(request).toEqual({
        symbol: 'AAPL',
        qty: '-80.123456789012345678',
        price: '170.5',
        account: 'desk-1',
        clientTradeId: expect.stringMatching(/^web-[0-9a-f]{24}$/),
      });
      respond(trade({ account: 'desk-1', qty: '-80.123456789012345678' }));
      await fixture.whenStable();

      // The numbers are cleared for the next order; side and symbol stay.
      expect(await (await input('Quantity')).getValue()).toBe('');
      expect(await (await input('Symbol')).getValue()).toBe('aapl');
      expect(await (await loader.getHarness(MatButtonToggleHarness.with({ text: 'Sell' }))).isChecked()).toBe(
        true,
      );
      expect(await errorsOf('Quantity')).toEqual([]);
    });

    it('sends Executed at as an ISO timestamp with a zone', async () => {
      await fillValidTrade();
      await type('Executed at', '2026-01-05T10:01:30');
      await addTrade();

      const { request, respond } = expectPost();
      expect(request.executedAt).toBe(new Date('2026-01-05T10:01:30').toISOString());
      respond(trade());
    });

    it('accepts the decimal comma of a German locale and still sends a plain decimal', async () => {
      TestBed.resetTestingModule();
      await setUp({ locale: 'de-DE' });
      await fillValidTrade({ Quantity: '1,5', Price: '150,25' });
      await addTrade();

      const { request, respond } = expectPost();
      expect(request).toMatchObject({ qty: '1.5', price: '150.25' });
      respond(trade());
    });

    it('shows api 400 messages next to the field they name, the rest in a snackbar', async () => {
      await fillValidTrade();
      await addTrade();

      const body: ApiErrorBody = {
        statusCode: 400,
        message: [
          'qty must not be 0',
          'price must be a decimal with at most 18 fractional digits',
          'property x should not exist',
        ],
        error: 'Bad Request',
      };
      http.expectOne(`${API}/trades`).flush(body, { status: 400, statusText: 'Bad Request' });
      await fixture.whenStable();

      expect(await errorsOf('Quantity')).toEqual(['qty must not be 0']);
      expect(await errorsOf('Price')).toEqual(['price must be a decimal with at most 18 fractional digits']);
      expect(await errorsOf('Symbol')).toEqual([]);
      const snackBar =
        await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatSnackBarHarness);
      expect(await snackBar.getMessage()).toBe('The api rejected the trade: property x should not exist');

      // Editing the field clears the api's message.
      await type('Quantity', '5');
      expect(await errorsOf('Quantity')).toEqual([]);
    });

    it('reports a 409 conflict in a snackbar', async () => {
      await fillValidTrade();
      await addTrade();
      http.expectOne(`${API}/trades`).flush(
        {
          statusCode: 409,
          message: 'clientTradeId x was already used by trade 7 with a different body',
          error: 'Conflict',
        },
        { status: 409, statusText: 'Conflict' },
      );
      await fixture.whenStable();

      const snackBar =
        await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatSnackBarHarness);
      expect(await snackBar.getMessage()).toContain('clientTradeId x was already used by trade 7');
    });

    it('retries a trade lost to a network error with the same clientTradeId, a new trade with a new one', async () => {
      await fillValidTrade();
      await addTrade();
      const first = http.expectOne(`${API}/trades`);
      first.error(new ProgressEvent('error'));
      await fixture.whenStable();

      await addTrade();
      const retry = http.expectOne(`${API}/trades`);
      expect(retry.request.body.clientTradeId).toBe(first.request.body.clientTradeId);
      retry.flush(trade(), { status: 200, statusText: 'OK' });
      await fixture.whenStable();

      await fillValidTrade();
      await addTrade();
      const next = http.expectOne(`${API}/trades`);
      expect(next.request.body.clientTradeId).not.toBe(first.request.body.clientTradeId);
      next.flush(trade());
    });

    it('switches the dashboard to the account a trade was recorded for', async () => {
      await fillValidTrade();
      await type('Account', 'e2e-42');
      await addTrade();
      expectPost().respond(trade({ account: 'e2e-42' }));
      await fixture.whenStable();

      expect(TestBed.inject(AccountService).current()).toBe('e2e-42');
      expect(await (await input('Account')).getValue()).toBe('');
    });
  });

  describe('live status', () => {
    const recentItems = () =>
      Array.from((fixture.nativeElement as HTMLElement).querySelectorAll<HTMLElement>('.recent__item'));

    it('shows PENDING, then APPLIED when the stream reports the settlement', async () => {
      await setUp();
      sources.latest.open();
      await fillValidTrade();
      await addTrade();
      expectPost().respond(trade({ id: '41', qty: '100' }));
      await fixture.whenStable();

      expect(recentItems()).toHaveLength(1);
      expect(recentItems()[0]?.textContent).toContain('Pending');
      expect(recentItems()[0]?.textContent).toContain('#41');

      sources.latest.emit({
        type: 'trade.settled',
        settlement: {
          eventVersion: 1,
          tradeId: '41',
          account: 'default',
          symbol: 'AAPL',
          status: 'APPLIED',
          settledAt: '2026-01-05T10:01:01Z',
        },
      });
      await fixture.whenStable();

      expect(recentItems()[0]?.textContent).toContain('Applied');
      expect(recentItems()[0]?.textContent).not.toContain('Pending');
    });

    it('shows REJECTED with the reason', async () => {
      await setUp();
      sources.latest.open();
      await fillValidTrade({ Quantity: '500' });
      await (await loader.getHarness(MatButtonToggleHarness.with({ text: 'Sell' }))).check();
      await addTrade();
      expectPost().respond(trade({ id: '42', qty: '-500' }));
      await fixture.whenStable();

      sources.latest.emit({
        type: 'trade.settled',
        settlement: {
          eventVersion: 1,
          tradeId: '42',
          account: 'default',
          symbol: 'AAPL',
          status: 'REJECTED',
          rejectReason: 'insufficient quantity: open 70, sell 500',
          settledAt: '2026-01-05T10:01:01Z',
        },
      });
      await fixture.whenStable();

      const item = recentItems()[0];
      expect(item?.querySelector('.status-badge')?.textContent?.trim()).toBe('Rejected');
      expect(item?.querySelector('.status-reason')?.textContent?.trim()).toBe(
        'insufficient quantity: open 70, sell 500',
      );
      expect(item?.textContent).toContain('Sell');
    });

    it('uses an outcome that arrived before the POST answered', async () => {
      await setUp();
      sources.latest.open();
      await fillValidTrade();
      await addTrade();
      const post = http.expectOne(`${API}/trades`);
      sources.latest.emit({
        type: 'trade.settled',
        settlement: {
          eventVersion: 1,
          tradeId: '43',
          account: 'default',
          symbol: 'AAPL',
          status: 'APPLIED',
          settledAt: '2026-01-05T10:01:01Z',
        },
      });
      post.flush(trade({ id: '43' }), { status: 202, statusText: 'Accepted' });
      await fixture.whenStable();

      expect(recentItems()[0]?.textContent).toContain('Applied');
    });

    it('polls GET /trades/:id while the stream is down', async () => {
      await setUp({ pollFast: true });
      sources.latest.fail(); // the stream dropped and waits for its backoff
      await fillValidTrade();
      await addTrade();
      expectPost().respond(trade({ id: '44' }));
      await fixture.whenStable();

      // http.match() takes the requests it returns off the open list.
      let poll: TestRequest | undefined;
      await until(() => (poll ??= http.match(`${API}/trades/44`)[0]) !== undefined, 2000);
      poll?.flush(
        trade({ id: '44', status: 'REJECTED', rejectReason: 'insufficient quantity: open 0, sell 100' }),
      );
      await fixture.whenStable();

      expect(recentItems()[0]?.textContent).toContain('Rejected');
      expect(recentItems()[0]?.textContent).toContain('insufficient quantity: open 0, sell 100');
    });
  });
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
