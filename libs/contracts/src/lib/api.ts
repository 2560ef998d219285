import { Position, RealizedPnlEntry, SymbolPnlTotal } from './books';
import { IsoTimestamp } from './decimal';
import { Trade, TradeStatus } from './trade';

/** Body of `POST /trades`. Decimals may be sent as JSON numbers or strings; responses always use strings. */
export interface SubmitTradeRequest {
  symbol: string;
  qty: string | number;
  price: string | number;
  executedAt?: IsoTimestamp;
  account?: string;
  clientTradeId?: string;
}

export type SubmitTradeResponse = Trade;

export interface ListTradesQuery {
  account?: string;
  symbol?: string;
  status?: TradeStatus;
  limit?: number;
  cursor?: string;
}

export interface TradePage {
  items: Trade[];
  nextCursor: string | null;
}

export interface PositionsResponse {
  positions: Position[];
}

export interface PnlResponse {
  entries: RealizedPnlEntry[];
  totals: SymbolPnlTotal[];
  total: string;
}

export type HealthState = 'up' | 'down';

export interface HealthResponse {
  status: 'ok' | 'error';
  details: Record<string, { status: HealthState; message?: string }>;
}

/** Nest's error body shape, as every 4xx from the api carries it. */
export interface ApiErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}
