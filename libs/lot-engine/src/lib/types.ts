/** All quantities, prices and amounts are canonical decimal strings (see `canonicalDecimal`). */
export interface OpenLot {
  /** Opaque identifier chosen by the caller (DB lot id or the opening buy trade id). */
  key: string;
  qty: string;
  remainingQty: string;
  price: string;
}

export interface TradeInput {
  id: string;
  /** Signed: > 0 is a buy, < 0 is a sell. */
  qty: string;
  /** Always > 0. */
  price: string;
}

export interface LotReduction {
  key: string;
  matchedQty: string;
  remainingQtyAfter: string;
}

export interface PnlEntryDraft {
  lotKey: string;
  sellTradeId: string;
  qty: string;
  buyPrice: string;
  sellPrice: string;
  realizedPnl: string;
}

export type MatchOutcome =
  | { kind: 'opened'; lot: OpenLot }
  | { kind: 'closed'; reductions: LotReduction[]; entries: PnlEntryDraft[]; closedQty: string }
  | { kind: 'rejected'; reason: string };

export interface ReplayedLot extends OpenLot {
  tradeId: string;
}

export interface TradeOutcome {
  tradeId: string;
  status: 'APPLIED' | 'REJECTED';
  reason?: string;
}

export interface ReplayResult {
  /** Every lot opened by an applied buy, in order, including fully closed ones (remainingQty "0"). */
  lots: ReplayedLot[];
  /** In the order they were produced. */
  entries: PnlEntryDraft[];
  outcomes: TradeOutcome[];
}

export interface PositionSummary {
  quantity: string;
  costBasis: string;
  averageCost: string;
}
