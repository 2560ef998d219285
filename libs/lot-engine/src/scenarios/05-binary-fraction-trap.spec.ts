import { matchTrade, replayTrades, summarizePosition } from '../index';

describe('scenario 5: buy 0.1 + buy 0.2, sell 0.3 (the 0.1 + 0.2 != 0.3 trap)', () => {
  it('closes both lots to exactly "0" with exact P&L', () => {
    const lot1 = { key: 'b1', qty: '0.1', remainingQty: '0.1', price: '0.7' };
    const lot2 = { key: 'b2', qty: '0.2', remainingQty: '0.2', price: '0.3' };

    const outcome = matchTrade([lot1, lot2], { id: 's1', qty: '-0.3', price: '1.1' });

    expect(outcome).toEqual({
      kind: 'closed',
      closedQty: '0.3',
      reductions: [
        { key: 'b1', matchedQty: '0.1', remainingQtyAfter: '0' },
        { key: 'b2', matchedQty: '0.2', remainingQtyAfter: '0' },
      ],
      entries: [
        {
          lotKey: 'b1',
          sellTradeId: 's1',
          qty: '0.1',
          buyPrice: '0.7',
          sellPrice: '1.1',
          realizedPnl: '0.04',
        },
        {
          lotKey: 'b2',
          sellTradeId: 's1',
          qty: '0.2',
          buyPrice: '0.3',
          sellPrice: '1.1',
          realizedPnl: '0.16',
        },
      ],
    });
  });

  it('replay leaves nothing open', () => {
    const result = replayTrades([
      { id: 'b1', qty: '0.1', price: '0.7' },
      { id: 'b2', qty: '0.2', price: '0.3' },
      { id: 's1', qty: '-0.3', price: '1.1' },
    ]);

    expect(result.lots.map((l) => l.remainingQty)).toEqual(['0', '0']);
    expect(result.outcomes.every((o) => o.status === 'APPLIED')).toBe(true);
    expect(summarizePosition(result.lots).quantity).toBe('0');
  });
});
