import { matchTrade, type OpenLot } from '../index';

// Independent exact arithmetic on scaled BigInts, so expectations do not come from the engine.
const SCALE = 8;
const toUnits = (text: string): bigint => {
  const [int, frac = ''] = text.split('.');
  return BigInt(`${int}${frac.padEnd(SCALE, '0')}`);
};
const fromUnits = (units: bigint, scale: number): string => {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
};
const pnl = (sell: string, buy: string, qty: string): string =>
  fromUnits((toUnits(sell) - toUnits(buy)) * toUnits(qty), 2 * SCALE);

describe('scenario 6: 8-decimal crypto quantities and prices', () => {
  const lots: OpenLot[] = [
    { key: 'btc-1', qty: '0.12345678', remainingQty: '0.12345678', price: '43210.12345678' },
    { key: 'btc-2', qty: '1.5', remainingQty: '1.5', price: '42000.00000001' },
    { key: 'btc-3', qty: '0.00000001', remainingQty: '0.00000001', price: '99999.99999999' },
  ];

  it('matches 0.5 BTC across two lots exactly', () => {
    const outcome = matchTrade(lots, { id: 'sell-btc', qty: '-0.5', price: '45678.87654321' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '0.5',
      reductions: [
        { key: 'btc-1', matchedQty: '0.12345678', remainingQtyAfter: '0' },
        { key: 'btc-2', matchedQty: '0.37654322', remainingQtyAfter: '1.12345678' },
      ],
      entries: [
        {
          lotKey: 'btc-1',
          sellTradeId: 'sell-btc',
          qty: '0.12345678',
          buyPrice: '43210.12345678',
          sellPrice: '45678.87654321',
          realizedPnl: pnl('45678.87654321', '43210.12345678', '0.12345678'),
        },
        {
          lotKey: 'btc-2',
          sellTradeId: 'sell-btc',
          qty: '0.37654322',
          buyPrice: '42000.00000001',
          sellPrice: '45678.87654321',
          realizedPnl: pnl('45678.87654321', '42000.00000001', '0.37654322'),
        },
      ],
    });
  });

  it('agrees with the hand-computed products', () => {
    const outcome = matchTrade(lots, { id: 'sell-btc', qty: '-1.62345679', price: '45678.87654321' });
    if (outcome.kind !== 'closed') throw new Error(`expected closed, got ${outcome.kind}`);

    expect(outcome.entries.map((e) => e.realizedPnl)).toEqual([
      '304.7843066657094954',
      '5518.3148148',
      '-0.0005432112345678',
    ]);
    expect(outcome.entries.map((e) => e.realizedPnl)).toEqual([
      pnl('45678.87654321', '43210.12345678', '0.12345678'),
      pnl('45678.87654321', '42000.00000001', '1.5'),
      pnl('45678.87654321', '99999.99999999', '0.00000001'),
    ]);
    expect(outcome.reductions.map((r) => r.remainingQtyAfter)).toEqual(['0', '0', '0']);
  });
});
