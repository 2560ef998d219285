import { matchTrade, type OpenLot } from '../index';

describe('scenario 2: one sell spanning several lots and ending mid-lot', () => {
  const lots: OpenLot[] = [
    { key: 'a', qty: '10', remainingQty: '10', price: '100' },
    { key: 'b', qty: '20', remainingQty: '5', price: '101.5' },
    { key: 'c', qty: '7.25', remainingQty: '7.25', price: '99.75' },
    { key: 'd', qty: '4', remainingQty: '4', price: '120' },
    { key: 'e', qty: '3', remainingQty: '3', price: '130' },
  ];

  it('consumes a, b, c fully and half of d; e is untouched', () => {
    // 10 + 5 + 7.25 + 2 = 24.25
    const outcome = matchTrade(lots, { id: 's1', qty: '-24.25', price: '110' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '24.25',
      reductions: [
        { key: 'a', matchedQty: '10', remainingQtyAfter: '0' },
        { key: 'b', matchedQty: '5', remainingQtyAfter: '0' },
        { key: 'c', matchedQty: '7.25', remainingQtyAfter: '0' },
        { key: 'd', matchedQty: '2', remainingQtyAfter: '2' },
      ],
      entries: [
        { lotKey: 'a', sellTradeId: 's1', qty: '10', buyPrice: '100', sellPrice: '110', realizedPnl: '100' },
        {
          lotKey: 'b',
          sellTradeId: 's1',
          qty: '5',
          buyPrice: '101.5',
          sellPrice: '110',
          realizedPnl: '42.5',
        },
        // (110 - 99.75) * 7.25 = 10.25 * 7.25
        {
          lotKey: 'c',
          sellTradeId: 's1',
          qty: '7.25',
          buyPrice: '99.75',
          sellPrice: '110',
          realizedPnl: '74.3125',
        },
        { lotKey: 'd', sellTradeId: 's1', qty: '2', buyPrice: '120', sellPrice: '110', realizedPnl: '-20' },
      ],
    });
  });
});
