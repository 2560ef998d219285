import { DecimalString, IsoTimestamp } from './decimal';
import { Trade, TradeStatus } from './trade';

/**
 * Published by the api for every accepted trade, keyed by `account|symbol` so that one
 * position's trades stay ordered on one partition.
 */
export interface TradeSubmittedEvent {
  eventVersion: 1;
  tradeId: string;
  account: string;
  symbol: string;
  qty: DecimalString;
  price: DecimalString;
  executedAt: IsoTimestamp;
  receivedAt: IsoTimestamp;
}

/** Published by the matcher after the trade's outcome is committed. */
export interface TradeSettledEvent {
  eventVersion: 1;
  tradeId: string;
  account: string;
  symbol: string;
  status: Exclude<TradeStatus, 'PENDING'>;
  rejectReason?: string;
  settledAt: IsoTimestamp;
}

/** What the matcher writes to the dead-letter topic for a message that can never be applied. */
export interface TradeDeadLetterEvent {
  eventVersion: 1;
  sourceTopic: string;
  partition: number;
  offset: string;
  key: string | null;
  rawValue: string | null;
  error: string;
  failedAt: IsoTimestamp;
}

export function tradeMessageKey(account: string, symbol: string): string {
  return `${account}|${symbol}`;
}

/** What `GET /events` (Server-Sent Events) streams to the dashboard, one JSON object per `data:` line. */
export type LotwiseStreamEvent =
  | { type: 'trade.submitted'; trade: Trade }
  | { type: 'trade.settled'; settlement: TradeSettledEvent }
  | { type: 'heartbeat'; at: IsoTimestamp };
