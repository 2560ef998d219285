import { LotEngineInputError } from './errors';
import { matchTrade } from './match-trade';
import type { OpenLot, TradeInput } from './types';

const lot = (key: string, qty: string, remainingQty: string, price: string): OpenLot => ({
  key,
  qty,
  remainingQty,
  price,
});

function thrownBy(fn: () => unknown): LotEngineInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LotEngineInputError) return error;
    throw error;
  }
  throw new Error('expected a LotEngineInputError');
}

describe('matchTrade', () => {
  describe('buys', () => {
    it('opens a lot keyed by the trade id with canonical values', () => {
      expect(matchTrade([], { id: 'b-1', qty: '010.500', price: '99.90' })).toEqual({
        kind: 'opened',
        lot: { key: 'b-1', qty: '10.5', remainingQty: '10.5', price: '99.9' },
      });
    });

    it('ignores existing lots', () => {
      const lots = Object.freeze([Object.freeze(lot('a', '1', '1', '1'))]);
      expect(matchTrade(lots, { id: 'b-2', qty: '2', price: '3' })).toEqual({
        kind: 'opened',
        lot: { key: 'b-2', qty: '2', remainingQty: '2', price: '3' },
      });
    });
  });

  describe('sells', () => {
    it('canonicalises lot values it echoes back', () => {
      const outcome = matchTrade([lot('a', '10.0', '4.50', '150.00')], {
        id: 's',
        qty: '-1.50',
        price: '170.0',
      });
      expect(outcome).toEqual({
        kind: 'closed',
        closedQty: '1.5',
        reductions: [{ key: 'a', matchedQty: '1.5', remainingQtyAfter: '3' }],
        entries: [
          { lotKey: 'a', sellTradeId: 's', qty: '1.5', buyPrice: '150', sellPrice: '170', realizedPnl: '30' },
        ],
      });
    });

    it('does not mutate frozen inputs and returns fresh objects', () => {
      const lots: readonly OpenLot[] = Object.freeze([
        Object.freeze(lot('a', '5', '5', '10')),
        Object.freeze(lot('b', '5', '5', '11')),
      ]);
      const trade: TradeInput = Object.freeze({ id: 's', qty: '-7', price: '12' });

      const outcome = matchTrade(lots, trade);

      expect(outcome.kind).toBe('closed');
      expect(lots).toEqual([lot('a', '5', '5', '10'), lot('b', '5', '5', '11')]);
      expect(trade).toEqual({ id: 's', qty: '-7', price: '12' });
    });

    it('accepts a sell exactly equal to the open quantity', () => {
      const outcome = matchTrade([lot('a', '1', '0.000000000000000001', '1')], {
        id: 's',
        qty: '-0.000000000000000001',
        price: '2',
      });
      expect(outcome).toEqual({
        kind: 'closed',
        closedQty: '0.000000000000000001',
        reductions: [{ key: 'a', matchedQty: '0.000000000000000001', remainingQtyAfter: '0' }],
        entries: [
          {
            lotKey: 'a',
            sellTradeId: 's',
            qty: '0.000000000000000001',
            buyPrice: '1',
            sellPrice: '2',
            realizedPnl: '0.000000000000000001',
          },
        ],
      });
    });
  });

  describe('programmer errors throw LotEngineInputError', () => {
    it.each<[string, readonly OpenLot[], TradeInput, string]>([
      ['zero qty', [], { id: 't', qty: '0', price: '1' }, 'trade.qty must not be 0'],
      ['negative zero qty', [], { id: 't', qty: '-0.00', price: '1' }, 'trade.qty must not be 0'],
      ['zero price', [], { id: 't', qty: '1', price: '0' }, 'trade.price must be greater than 0'],
      ['negative price', [], { id: 't', qty: '1', price: '-5' }, 'trade.price must be greater than 0'],
      ['empty id', [], { id: '', qty: '1', price: '1' }, 'trade.id must be a non-empty string'],
      [
        'too many fractional digits',
        [],
        { id: 't', qty: '0.0000000000000000001', price: '1' },
        'trade.qty must be a decimal with at most 18 fractional digits',
      ],
      [
        'remaining above qty',
        [lot('a', '5', '6', '1')],
        { id: 't', qty: '-1', price: '1' },
        'openLots[0].remainingQty must not exceed qty (5)',
      ],
      [
        'negative remaining',
        [lot('a', '5', '-1', '1')],
        { id: 't', qty: '-1', price: '1' },
        'openLots[0].remainingQty must not be negative',
      ],
      [
        'zero lot qty',
        [lot('a', '0', '0', '1')],
        { id: 't', qty: '1', price: '1' },
        'openLots[0].qty must be greater than 0',
      ],
      [
        'zero lot price',
        [lot('a', '1', '1', '0')],
        { id: 't', qty: '1', price: '1' },
        'openLots[0].price must be greater than 0',
      ],
      [
        'duplicate lot keys',
        [lot('a', '1', '1', '1'), lot('a', '2', '2', '1')],
        { id: 't', qty: '-1', price: '1' },
        'openLots[1].key duplicates key "a"',
      ],
    ])('%s', (_name, lots, trade, message) => {
      const error = thrownBy(() => matchTrade(lots, trade));
      expect(error.message).toBe(message);
      expect(error.name).toBe('LotEngineInputError');
      expect(error).toBeInstanceOf(Error);
    });

    it('rejects numbers and exponent strings smuggled past the types', () => {
      const numeric = { id: 't', qty: 5, price: '1' } as unknown as TradeInput;
      expect(thrownBy(() => matchTrade([], numeric)).field).toBe('trade.qty');
      expect(thrownBy(() => matchTrade([], { id: 't', qty: '1e3', price: '1' })).field).toBe('trade.qty');
    });

    it('validates lots even when the sell would be rejected anyway', () => {
      expect(
        thrownBy(() => matchTrade([lot('a', '1', '2', '1')], { id: 't', qty: '-9', price: '1' })).field,
      ).toBe('openLots[0].remainingQty');
    });
  });
});
