import {
  compareExecutionOrder,
  matchTrade,
  replayTrades,
  type OpenLot,
  type PnlEntryDraft,
  type ReplayResult,
  type TradeInput,
} from '../index';

type StoredTrade = TradeInput & { executedAt: string; seq: string };

/** What a caller would do without replayTrades: apply matchTrade one trade at a time. */
function applyIncrementally(trades: readonly TradeInput[]): ReplayResult {
  const lots: ReplayResult['lots'] = [];
  const entries: PnlEntryDraft[] = [];
  const outcomes: ReplayResult['outcomes'] = [];
  for (const trade of trades) {
    const open: OpenLot[] = lots
      .filter((l) => l.remainingQty !== '0')
      .map(({ key, qty, remainingQty, price }) => ({ key, qty, remainingQty, price }));
    const outcome = matchTrade(open, trade);
    switch (outcome.kind) {
      case 'opened':
        lots.push({ ...outcome.lot, tradeId: trade.id });
        outcomes.push({ tradeId: trade.id, status: 'APPLIED' });
        break;
      case 'closed':
        for (const reduction of outcome.reductions) {
          const lot = lots.find((l) => l.key === reduction.key);
          if (!lot) throw new Error(`unknown lot ${reduction.key}`);
          lot.remainingQty = reduction.remainingQtyAfter;
        }
        entries.push(...outcome.entries);
        outcomes.push({ tradeId: trade.id, status: 'APPLIED' });
        break;
      case 'rejected':
        outcomes.push({ tradeId: trade.id, status: 'REJECTED', reason: outcome.reason });
        break;
    }
  }
  return { lots, entries, outcomes };
}

describe('scenario 10: replaying a history with a short early sell', () => {
  // As loaded, unsorted: fills can arrive after later-executed ones.
  const stored: StoredTrade[] = [
    { id: 'b1', qty: '10', price: '100', executedAt: '2024-03-01T09:00:00Z', seq: '1' },
    { id: 'b2', qty: '10', price: '90', executedAt: '2024-03-01T11:00:00Z', seq: '2' },
    { id: 's1', qty: '-15', price: '110', executedAt: '2024-03-01T10:00:00Z', seq: '3' },
    { id: 's2', qty: '-15', price: '120', executedAt: '2024-03-01T13:00:00+01:00', seq: '8' },
    { id: 's4', qty: '-5', price: '80', executedAt: '2024-03-01T12:00:00.000001Z', seq: '10' },
    { id: 's3', qty: '-6', price: '80', executedAt: '2024-03-01T12:00:00.000001Z', seq: '9' },
  ];
  const ordered: TradeInput[] = [...stored]
    .sort(compareExecutionOrder)
    .map(({ id, qty, price }) => ({ id, qty, price }));

  it('sorts by instant, then by numeric arrival sequence', () => {
    expect(ordered.map((t) => t.id)).toEqual(['b1', 's1', 'b2', 's2', 's3', 's4']);
  });

  it('rejects the short sells and applies later trades against the correct state', () => {
    expect(replayTrades(ordered)).toEqual({
      lots: [
        { key: 'b1', tradeId: 'b1', qty: '10', remainingQty: '0', price: '100' },
        { key: 'b2', tradeId: 'b2', qty: '10', remainingQty: '0', price: '90' },
      ],
      entries: [
        { lotKey: 'b1', sellTradeId: 's2', qty: '10', buyPrice: '100', sellPrice: '120', realizedPnl: '200' },
        { lotKey: 'b2', sellTradeId: 's2', qty: '5', buyPrice: '90', sellPrice: '120', realizedPnl: '150' },
        { lotKey: 'b2', sellTradeId: 's4', qty: '5', buyPrice: '90', sellPrice: '80', realizedPnl: '-50' },
      ],
      outcomes: [
        { tradeId: 'b1', status: 'APPLIED' },
        { tradeId: 's1', status: 'REJECTED', reason: 'insufficient quantity: open 10, sell 15' },
        { tradeId: 'b2', status: 'APPLIED' },
        { tradeId: 's2', status: 'APPLIED' },
        { tradeId: 's3', status: 'REJECTED', reason: 'insufficient quantity: open 5, sell 6' },
        { tradeId: 's4', status: 'APPLIED' },
      ],
    });
  });

  it('equals incremental matchTrade application', () => {
    expect(replayTrades(ordered)).toEqual(applyIncrementally(ordered));
  });

  it('replays an empty history to empty books', () => {
    expect(replayTrades([])).toEqual({ lots: [], entries: [], outcomes: [] });
  });
});
