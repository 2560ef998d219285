import { DecimalString, IsoTimestamp } from './decimal';

export const TradeStatus = {
  Pending: 'PENDING',
  Applied: 'APPLIED',
  Rejected: 'REJECTED',
} as const;
export type TradeStatus = (typeof TradeStatus)[keyof typeof TradeStatus];

export const DEFAULT_ACCOUNT = 'default';

export const TRADE_FIELD_RULES = {
  symbolPattern: /^[A-Z0-9.-]{1,16}$/,
  accountPattern: /^[A-Za-z0-9_-]{1,64}$/,
  clientTradeIdMaxLength: 128,
} as const;

/** A trade as recorded by the api. `qty` is signed: positive buys, negative sells. */
export interface Trade {
  id: string;
  account: string;
  symbol: string;
  qty: DecimalString;
  price: DecimalString;
  executedAt: IsoTimestamp;
  receivedAt: IsoTimestamp;
  status: TradeStatus;
  rejectReason?: string;
  clientTradeId?: string;
}
