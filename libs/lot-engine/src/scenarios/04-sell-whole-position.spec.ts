import { matchTrade, replayTrades, summarizePosition, type OpenLot } from '../index';

describe('scenario 4: selling the whole position', () => {
  const lots: OpenLot[] = [
    { key: 'p1', qty: '100', remainingQty: '40', price: '150' },
    { key: 'p2', qty: '50', remainingQty: '50', price: '160' },
  ];

  it('closes every lot and leaves nothing open', () => {
    const outcome = matchTrade(lots, { id: 'all', qty: '-90', price: '155' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '90',
      reductions: [
        { key: 'p1', matchedQty: '40', remainingQtyAfter: '0' },
        { key: 'p2', matchedQty: '50', remainingQtyAfter: '0' },
      ],
      entries: [
        {
          lotKey: 'p1',
          sellTradeId: 'all',
          qty: '40',
          buyPrice: '150',
          sellPrice: '155',
          realizedPnl: '200',
        },
        {
          lotKey: 'p2',
          sellTradeId: 'all',
          qty: '50',
          buyPrice: '160',
          sellPrice: '155',
          realizedPnl: '-250',
        },
      ],
    });
  });

  it('replays to an empty position', () => {
    const result = replayTrades([
      { id: 'b1', qty: '100', price: '150' },
      { id: 'b2', qty: '50', price: '160' },
      { id: 's1', qty: '-150', price: '170' },
    ]);

    expect(result.lots.map((l) => l.remainingQty)).toEqual(['0', '0']);
    expect(summarizePosition(result.lots)).toEqual({ quantity: '0', costBasis: '0', averageCost: '0' });
    expect(result.entries.map((e) => e.realizedPnl)).toEqual(['2000', '500']);
  });
});
