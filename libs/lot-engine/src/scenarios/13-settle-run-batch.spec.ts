import fc from 'fast-check';
import { replayTrades, settleRun, summarizePosition, type OpenLot, type TradeInput } from '../index';
import { sumCents } from './support/sum-cents';

const EMPTY = { openQty: '0', openCost: '0', realizedPnl: '0', realizedEntries: 0, lots: [] };

describe('scenario 13: a run of in-order trades settled at once (settleRun without replayed trades)', () => {
  it('settles the reference run (buy 100 @150, buy 50 @160, sell 80 @170) in one call', () => {
    const result = settleRun(EMPTY, [
      { id: '1', qty: '100', price: '150' },
      { id: '2', qty: '50', price: '160' },
      { id: '3', qty: '-80', price: '170' },
    ]);
    expect(result).toEqual({
      kind: 'settled',
      outcomes: [
        { tradeId: '1', status: 'APPLIED' },
        { tradeId: '2', status: 'APPLIED' },
        { tradeId: '3', status: 'APPLIED' },
      ],
      openedLots: [
        { key: '1', tradeId: '1', qty: '100', remainingQty: '20', price: '150' },
        { key: '2', tradeId: '2', qty: '50', remainingQty: '50', price: '160' },
      ],
      reducedLots: [],
      entries: [
        { lotKey: '1', sellTradeId: '3', qty: '80', buyPrice: '150', sellPrice: '170', realizedPnl: '1600' },
      ],
      openQty: '70',
      openCost: '11000',
      realizedPnl: '1600',
      realizedEntries: 1,
      lastAppliedId: '3',
    });
  });

  it('continues from a book: reduces its lots first, then the run’s own, and keeps the cost basis exact', () => {
    const book = {
      openQty: '0.3',
      openCost: '0.03',
      realizedPnl: '-1',
      realizedEntries: 4,
      lots: [
        { key: 'L7', qty: '0.2', remainingQty: '0.1', price: '0.1' },
        { key: 'L9', qty: '0.2', remainingQty: '0.2', price: '0.1' },
      ],
    };
    const result = settleRun(book, [
      { id: '20', qty: '0.1', price: '0.2' },
      { id: '21', qty: '-0.35', price: '0.3' },
      { id: '22', qty: '-0.1', price: '1' },
    ]);
    if (result.kind !== 'settled') throw new Error('expected the run to settle');
    expect(result.outcomes).toEqual([
      { tradeId: '20', status: 'APPLIED' },
      { tradeId: '21', status: 'APPLIED' },
      { tradeId: '22', status: 'REJECTED', reason: 'insufficient quantity: open 0.05, sell 0.1' },
    ]);
    expect(result.reducedLots).toEqual([
      { key: 'L7', remainingQty: '0' },
      { key: 'L9', remainingQty: '0' },
    ]);
    expect(result.openedLots).toEqual([
      { key: '20', tradeId: '20', qty: '0.1', remainingQty: '0.05', price: '0.2' },
    ]);
    expect(result.entries.map((e) => [e.lotKey, e.qty, e.realizedPnl])).toEqual([
      ['L7', '0.1', '0.02'],
      ['L9', '0.2', '0.04'],
      ['20', '0.05', '0.005'],
    ]);
    expect(result).toMatchObject({
      openQty: '0.05',
      openCost: '0.01',
      realizedPnl: '-0.935',
      realizedEntries: 7,
    });
  });

  it('asks for more lots when a sell would reach past the loaded prefix, rather than skipping to newer ones', () => {
    const book = {
      openQty: '30',
      openCost: '300',
      realizedPnl: '0',
      realizedEntries: 0,
      lots: [{ key: 'L1', qty: '10', remainingQty: '10', price: '10' }],
    };
    expect(settleRun(book, [{ id: '5', qty: '-10', price: '11' }])).toMatchObject({
      kind: 'settled',
      reducedLots: [{ key: 'L1', remainingQty: '0' }],
      openQty: '20',
      openCost: '200',
    });
    expect(
      settleRun(book, [
        { id: '5', qty: '5', price: '11' },
        { id: '6', qty: '-11', price: '11' },
      ]),
    ).toEqual({ kind: 'needsMoreLots', tradeId: '6' });
  });

  it('refuses a snapshot whose lots hold more than its open quantity', () => {
    const book = {
      openQty: '5',
      openCost: '50',
      realizedPnl: '0',
      realizedEntries: 0,
      lots: [{ key: 'L1', qty: '10', remainingQty: '10', price: '10' }],
    };
    expect(() => settleRun(book, [])).toThrow('book.lots hold 10, more than openQty 5');
  });

  it('agrees with a full replay wherever the history is split into a book and a run', () => {
    const trade = fc.record({
      buy: fc.boolean(),
      qty: fc.integer({ min: 1, max: 40 }),
      cents: fc.integer({ min: 1, max: 50_000 }),
    });
    fc.assert(
      fc.property(fc.array(trade, { maxLength: 40 }), fc.nat(), fc.nat(), (ops, cut, prefix) => {
        const trades: TradeInput[] = ops.map((op, index) => ({
          id: String(index + 1),
          qty: op.buy ? String(op.qty) : `-${op.qty}`,
          price: (op.cents / 100).toFixed(2).replace(/\.?0+$/, ''),
        }));
        const split = cut % (trades.length + 1);
        const before = replayTrades(trades.slice(0, split));
        const openLots: OpenLot[] = before.lots.filter((lot) => lot.remainingQty !== '0');
        const summary = summarizePosition(openLots);
        const whole = replayTrades(trades);
        // Load all open lots, or only as many as the run's sells could need (each prefix length is legal then).
        const sold = trades
          .slice(split)
          .reduce((sum, t) => sum + (t.qty.startsWith('-') ? Number(t.qty.slice(1)) : 0), 0);
        let needed = 0;
        let covered = 0;
        while (needed < openLots.length && covered < sold)
          covered += Number(openLots[needed++]?.remainingQty);
        const loaded = openLots.slice(0, Math.max(needed, prefix % (openLots.length + 1)));
        const run = settleRun(
          {
            openQty: summary.quantity,
            openCost: summary.costBasis,
            realizedPnl: sumCents(before.entries.map((e) => e.realizedPnl)),
            realizedEntries: before.entries.length,
            lots: loaded,
          },
          trades.slice(split),
        );
        if (run.kind !== 'settled')
          throw new Error(`the loaded lots cover every sell, yet ${run.tradeId} asked for more`);
        expect(run.outcomes).toEqual(whole.outcomes.slice(split));
        expect(run.entries).toEqual(whole.entries.slice(before.entries.length));
        const after = new Map(whole.lots.map((lot) => [lot.key, lot.remainingQty]));
        for (const lot of run.reducedLots) expect(lot.remainingQty).toBe(after.get(lot.key));
        for (const lot of run.openedLots) expect(lot.remainingQty).toBe(after.get(lot.key));
        const final = summarizePosition(whole.lots);
        expect({ openQty: run.openQty, openCost: run.openCost }).toEqual({
          openQty: final.quantity,
          openCost: final.costBasis,
        });
        expect(run.realizedPnl).toBe(sumCents(whole.entries.map((e) => e.realizedPnl)));
        expect(run.realizedEntries).toBe(whole.entries.length);
      }),
      { numRuns: 500 },
    );
  });
});
