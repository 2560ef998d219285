import { matchTrade, type OpenLot } from '../index';

describe('scenario 3: a sell that empties lots exactly', () => {
  const lots: OpenLot[] = [
    { key: 'l1', qty: '30', remainingQty: '12.5', price: '10' },
    { key: 'l2', qty: '7.5', remainingQty: '7.5', price: '11' },
    { key: 'l3', qty: '40', remainingQty: '40', price: '12' },
  ];

  it('leaves the emptied lots at exactly "0" and does not touch the next lot', () => {
    const outcome = matchTrade(lots, { id: 'sx', qty: '-20', price: '15' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '20',
      reductions: [
        { key: 'l1', matchedQty: '12.5', remainingQtyAfter: '0' },
        { key: 'l2', matchedQty: '7.5', remainingQtyAfter: '0' },
      ],
      entries: [
        {
          lotKey: 'l1',
          sellTradeId: 'sx',
          qty: '12.5',
          buyPrice: '10',
          sellPrice: '15',
          realizedPnl: '62.5',
        },
        { lotKey: 'l2', sellTradeId: 'sx', qty: '7.5', buyPrice: '11', sellPrice: '15', realizedPnl: '30' },
      ],
    });
    if (outcome.kind !== 'closed') throw new Error('expected closed');
    expect(outcome.reductions.map((r) => r.key)).not.toContain('l3');
  });

  it('skips lots passed with remainingQty "0" without reporting them', () => {
    const withEmpty: OpenLot[] = [{ key: 'gone', qty: '5', remainingQty: '0', price: '1' }, ...lots];
    const outcome = matchTrade(withEmpty, { id: 'sy', qty: '-12.5', price: '10' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '12.5',
      reductions: [{ key: 'l1', matchedQty: '12.5', remainingQtyAfter: '0' }],
      entries: [
        { lotKey: 'l1', sellTradeId: 'sy', qty: '12.5', buyPrice: '10', sellPrice: '10', realizedPnl: '0' },
      ],
    });
  });
});
