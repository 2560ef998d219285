import { LotEngineInputError } from './errors';
import { replayTrades } from './replay';
import type { TradeInput } from './types';

describe('replayTrades', () => {
  it('does not mutate its (frozen) input', () => {
    const trades: readonly TradeInput[] = Object.freeze([
      Object.freeze({ id: 'b', qty: '2', price: '10' }),
      Object.freeze({ id: 's', qty: '-1', price: '12' }),
    ]);
    expect(replayTrades(trades).entries).toEqual([
      { lotKey: 'b', sellTradeId: 's', qty: '1', buyPrice: '10', sellPrice: '12', realizedPnl: '2' },
    ]);
  });

  it('keeps consuming from the right lot after the head lots close', () => {
    const result = replayTrades([
      { id: 'b1', qty: '1', price: '1' },
      { id: 'b2', qty: '1', price: '2' },
      { id: 's1', qty: '-1', price: '3' },
      { id: 'b3', qty: '1', price: '4' },
      { id: 's2', qty: '-1.5', price: '5' },
      { id: 's3', qty: '-0.6', price: '5' },
      { id: 's4', qty: '-0.5', price: '6' },
    ]);
    expect(result.entries.map((e) => `${e.sellTradeId}:${e.lotKey}:${e.qty}:${e.realizedPnl}`)).toEqual([
      's1:b1:1:2',
      's2:b2:1:3',
      's2:b3:0.5:0.5',
      's4:b3:0.5:1',
    ]);
    expect(result.outcomes[5]).toEqual({
      tradeId: 's3',
      status: 'REJECTED',
      reason: 'insufficient quantity: open 0.5, sell 0.6',
    });
    expect(result.lots.map((l) => l.remainingQty)).toEqual(['0', '0', '0']);
  });

  it('throws on a repeated trade id', () => {
    expect(() =>
      replayTrades([
        { id: 'x', qty: '1', price: '1' },
        { id: 'x', qty: '-1', price: '1' },
      ]),
    ).toThrow(new LotEngineInputError('trades[1].id', 'duplicates id "x"'));
  });

  it('names the offending trade index', () => {
    expect(() =>
      replayTrades([
        { id: 'a', qty: '1', price: '1' },
        { id: 'b', qty: '1', price: '0' },
      ]),
    ).toThrow('trades[1].price must be greater than 0');
  });

  it('throws when not given an array', () => {
    expect(() => replayTrades(null as unknown as TradeInput[])).toThrow(LotEngineInputError);
  });
});
