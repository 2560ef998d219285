import { matchTrade, type OpenLot, type TradeInput } from '../index';

function deepFreeze<T extends object>(value: T): T {
  Object.values(value).forEach((child) => {
    if (child !== null && typeof child === 'object') deepFreeze(child);
  });
  return Object.freeze(value);
}

describe('scenario 8: oversell is rejected and changes nothing', () => {
  const fixture = (): OpenLot[] => [
    { key: 'o1', qty: '100', remainingQty: '100', price: '150' },
    { key: 'o2', qty: '80', remainingQty: '50', price: '160' },
  ];

  it('rejects selling 151 when 150 is open, leaving frozen inputs untouched', () => {
    const lots = deepFreeze(fixture());
    const trade: TradeInput = deepFreeze({ id: 'too-much', qty: '-151', price: '170' });

    expect(matchTrade(lots, trade)).toEqual({
      kind: 'rejected',
      reason: 'insufficient quantity: open 150, sell 151',
    });
    expect(lots).toEqual(fixture());
    expect(trade).toEqual({ id: 'too-much', qty: '-151', price: '170' });
  });

  it('rejects by the smallest unit', () => {
    expect(matchTrade(fixture(), { id: 't', qty: '-150.000000000000000001', price: '1' })).toEqual({
      kind: 'rejected',
      reason: 'insufficient quantity: open 150, sell 150.000000000000000001',
    });
  });

  it('rejects a sell with no open lots as "open 0"', () => {
    expect(matchTrade([], { id: 'naked', qty: '-5', price: '10' })).toEqual({
      kind: 'rejected',
      reason: 'insufficient quantity: open 0, sell 5',
    });
  });

  it('reports canonical decimals in the reason', () => {
    const lots: OpenLot[] = [{ key: 'z', qty: '10.50', remainingQty: '10.50', price: '1' }];

    expect(matchTrade(lots, { id: 't', qty: '-10.5000001', price: '1' })).toEqual({
      kind: 'rejected',
      reason: 'insufficient quantity: open 10.5, sell 10.5000001',
    });
  });
});
