import { matchTrade, replayTrades, type OpenLot } from '../index';

describe('scenario 9: negative P&L and a mix of gains and losses', () => {
  it('books a loss when selling below cost', () => {
    const lots: OpenLot[] = [{ key: 'l', qty: '10', remainingQty: '10', price: '25.75' }];

    expect(matchTrade(lots, { id: 's', qty: '-4', price: '20.5' })).toEqual({
      kind: 'closed',
      closedQty: '4',
      reductions: [{ key: 'l', matchedQty: '4', remainingQtyAfter: '6' }],
      entries: [
        { lotKey: 'l', sellTradeId: 's', qty: '4', buyPrice: '25.75', sellPrice: '20.5', realizedPnl: '-21' },
      ],
    });
  });

  it('mixes a gain, a break-even and a loss in one sell', () => {
    const lots: OpenLot[] = [
      { key: 'cheap', qty: '3', remainingQty: '3', price: '90' },
      { key: 'even', qty: '2', remainingQty: '2', price: '100' },
      { key: 'dear', qty: '5', remainingQty: '5', price: '112.5' },
    ];

    const outcome = matchTrade(lots, { id: 'mix', qty: '-7', price: '100' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '7',
      reductions: [
        { key: 'cheap', matchedQty: '3', remainingQtyAfter: '0' },
        { key: 'even', matchedQty: '2', remainingQtyAfter: '0' },
        { key: 'dear', matchedQty: '2', remainingQtyAfter: '3' },
      ],
      entries: [
        {
          lotKey: 'cheap',
          sellTradeId: 'mix',
          qty: '3',
          buyPrice: '90',
          sellPrice: '100',
          realizedPnl: '30',
        },
        { lotKey: 'even', sellTradeId: 'mix', qty: '2', buyPrice: '100', sellPrice: '100', realizedPnl: '0' },
        {
          lotKey: 'dear',
          sellTradeId: 'mix',
          qty: '2',
          buyPrice: '112.5',
          sellPrice: '100',
          realizedPnl: '-25',
        },
      ],
    });
  });

  it('nets a loss that cancels a gain to exactly "0" over a history', () => {
    const result = replayTrades([
      { id: 'b1', qty: '1', price: '10.1' },
      { id: 'b2', qty: '1', price: '10.3' },
      { id: 's1', qty: '-2', price: '10.2' },
    ]);

    expect(result.entries.map((e) => e.realizedPnl)).toEqual(['0.1', '-0.1']);
  });
});
