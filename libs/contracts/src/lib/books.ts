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

export interface Position {
  account: string;
  symbol: string;
  quantity: DecimalString;
  costBasis: DecimalString;
  averageCost: DecimalString;
  /** Open lots in FIFO order. */
  lots: Lot[];
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
  createdAt: IsoTimestamp;
}

export interface SymbolPnlTotal {
  symbol: string;
  realizedPnl: DecimalString;
}
