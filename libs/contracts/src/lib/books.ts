import { DecimalString, IsoTimestamp } from './decimal';

/** An open lot: what is left of one buy trade. */
export interface Lot {
  id: string;
  tradeId: string;
  qty: DecimalString;
  remainingQty: DecimalString;
  price: DecimalString;
  openedAt: IsoTimestamp;
}

/** An open position as the matcher keeps it; its lots are read page by page (`LotPage`). */
export interface Position {
  account: string;
  symbol: string;
  /** Σ remaining quantity of the open lots. */
  quantity: DecimalString;
  /** Σ remaining quantity × price of the open lots. */
  costBasis: DecimalString;
  /** costBasis / quantity, rounded half-even to 18 fractional digits. */
  averageCost: DecimalString;
}

/** One matched portion of a sell: (sellPrice − buyPrice) × qty. */
export interface RealizedPnlEntry {
  id: string;
  account: string;
  symbol: string;
  qty: DecimalString;
  buyPrice: DecimalString;
  sellPrice: DecimalString;
  realizedPnl: DecimalString;
  lotId: string;
  sellTradeId: string;
  /** When the sell was executed (its trade's executedAt). */
  executedAt: IsoTimestamp;
  /** When the matcher booked the entry. */
  createdAt: IsoTimestamp;
}

export interface SymbolPnlTotal {
  symbol: string;
  realizedPnl: DecimalString;
}
