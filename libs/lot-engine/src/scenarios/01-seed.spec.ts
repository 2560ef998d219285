import { matchTrade, type OpenLot } from '../index';

describe('scenario 1: seed (buy 100@150, buy 50@160, sell 80@170)', () => {
  const lot1: OpenLot = { key: 'lot-1', qty: '100', remainingQty: '100', price: '150' };
  const lot2: OpenLot = { key: 'lot-2', qty: '50', remainingQty: '50', price: '160' };

  it('opens each buy as a lot keyed by the trade id', () => {
    expect(matchTrade([], { id: 'lot-1', qty: '100', price: '150' })).toEqual({ kind: 'opened', lot: lot1 });
    expect(matchTrade([lot1], { id: 'lot-2', qty: '50', price: '160' })).toEqual({
      kind: 'opened',
      lot: lot2,
    });
  });

  it('closes 80 from the oldest lot only', () => {
    const outcome = matchTrade([lot1, lot2], { id: 'sell-1', qty: '-80', price: '170' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '80',
      reductions: [{ key: 'lot-1', matchedQty: '80', remainingQtyAfter: '20' }],
      entries: [
        {
          lotKey: 'lot-1',
          sellTradeId: 'sell-1',
          qty: '80',
          buyPrice: '150',
          sellPrice: '170',
          realizedPnl: '1600',
        },
      ],
    });
  });
});
