import { matchTrade, replayTrades, type OpenLot } from '../index';

const SCALE = 18;
const toUnits = (text: string): bigint => {
  const negative = text.startsWith('-');
  const [int, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(`${int}${frac.padEnd(SCALE, '0')}`);
  return negative ? -units : units;
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

describe('scenario 7: 18 fractional digits (the precision limit)', () => {
  const lots: OpenLot[] = [
    {
      key: 'x1',
      qty: '1.123456789012345678',
      remainingQty: '1.123456789012345678',
      price: '2.718281828459045235',
    },
    {
      key: 'x2',
      qty: '0.000000000000000001',
      remainingQty: '0.000000000000000001',
      price: '0.333333333333333333',
    },
    { key: 'x3', qty: '5', remainingQty: '5', price: '1.000000000000000001' },
  ];

  it('keeps all 36 fractional digits of each P&L product', () => {
    const outcome = matchTrade(lots, {
      id: 'sell',
      qty: '-1.123456789012345679',
      price: '3.141592653589793238',
    });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '1.123456789012345679',
      reductions: [
        { key: 'x1', matchedQty: '1.123456789012345678', remainingQtyAfter: '0' },
        { key: 'x2', matchedQty: '0.000000000000000001', remainingQtyAfter: '0' },
      ],
      entries: [
        {
          lotKey: 'x1',
          sellTradeId: 'sell',
          qty: '1.123456789012345678',
          buyPrice: '2.718281828459045235',
          sellPrice: '3.141592653589793238',
          realizedPnl: '0.475571420355556715759520889744181034',
        },
        {
          lotKey: 'x2',
          sellTradeId: 'sell',
          qty: '0.000000000000000001',
          buyPrice: '0.333333333333333333',
          sellPrice: '3.141592653589793238',
          realizedPnl: '0.000000000000000002808259320256459905',
        },
      ],
    });
    if (outcome.kind !== 'closed') throw new Error('expected closed');
    expect(outcome.entries[0]?.realizedPnl).toBe(
      pnl('3.141592653589793238', '2.718281828459045235', '1.123456789012345678'),
    );
  });

  it('takes a single smallest unit off a lot', () => {
    const outcome = matchTrade(lots.slice(2), { id: 'tiny', qty: '-0.000000000000000001', price: '1' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '0.000000000000000001',
      reductions: [
        { key: 'x3', matchedQty: '0.000000000000000001', remainingQtyAfter: '4.999999999999999999' },
      ],
      entries: [
        {
          lotKey: 'x3',
          sellTradeId: 'tiny',
          qty: '0.000000000000000001',
          buyPrice: '1.000000000000000001',
          sellPrice: '1',
          realizedPnl: '-0.000000000000000000000000000000000001',
        },
      ],
    });
  });

  it('stays exact at 20 integer + 18 fractional digits', () => {
    const max = '99999999999999999999.999999999999999999';
    const min = '0.000000000000000001';
    const result = replayTrades([
      { id: 'b-max', qty: max, price: min },
      { id: 'b-min', qty: min, price: max },
      { id: 's-all', qty: `-${max}`, price: max },
      { id: 's-min', qty: `-${min}`, price: min },
    ]);

    expect(result.outcomes.map((o) => o.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED', 'APPLIED']);
    expect(result.entries.map((e) => e.realizedPnl)).toEqual([
      '9999999999999999999999999999999999999700.000000000000000000000000000000000002',
      '-99.999999999999999999999999999999999998',
    ]);
    expect(result.entries.map((e) => e.realizedPnl)).toEqual([pnl(max, min, max), pnl(min, max, min)]);
    expect(result.lots.map((l) => l.remainingQty)).toEqual(['0', '0']);
  });
});
