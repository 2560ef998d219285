import { Lot, Position, RealizedPnlEntry, SymbolPnlTotal } from './books';
import { DecimalString, IsoTimestamp } from './decimal';
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

/** Page sizes of the book reads (`GET /positions`, its lots, `GET /pnl`): `limit` defaults to 100, at most 500. */
export const BOOKS_PAGE_LIMIT = { default: 100, max: 500 } as const;

/** `GET /positions`: open positions ordered by account, then symbol. */
export interface ListPositionsQuery {
  account?: string;
  symbol?: string;
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

export interface PositionPage {
  items: Position[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** `GET /positions/:account/:symbol/lots`: one position's open lots in FIFO order. */
export interface ListLotsQuery {
  limit?: number;
  cursor?: string;
}

export interface LotPage {
  /** Oldest first: the order in which sells consume them. */
  items: Lot[];
  nextCursor: string | null;
}

/** `GET /pnl`: realized P&L entries, newest first, with the totals of every matching entry. */
export interface ListPnlQuery {
  account?: string;
  symbol?: string;
  limit?: number;
  cursor?: string;
}

export interface PnlPage {
  items: RealizedPnlEntry[];
  nextCursor: string | null;
  /** Per symbol, over every entry the filters match (not only this page), in symbol order. */
  totals: SymbolPnlTotal[];
  /** Over every entry the filters match. */
  total: DecimalString;
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
