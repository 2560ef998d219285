import { Trade } from '@lotwise/contracts';
import { TradeEntity } from './entities';

// PostgreSQL hands NUMERIC back as text in its own notation (e.g. "20.000"); the contract wants canonical decimals.
export function canonicalNumeric(value: string): string {
  if (!value.includes('.')) return value === '-0' ? '0' : value;
  const trimmed = value.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

export function toTrade(entity: TradeEntity): Trade {
  return {
    id: entity.id,
    account: entity.account,
    symbol: entity.symbol,
    qty: canonicalNumeric(entity.qty),
    price: canonicalNumeric(entity.price),
    executedAt: entity.executedAt.toISOString(),
    receivedAt: entity.receivedAt.toISOString(),
    status: entity.status,
    ...(entity.rejectReason !== null ? { rejectReason: entity.rejectReason } : {}),
    ...(entity.clientTradeId !== null ? { clientTradeId: entity.clientTradeId } : {}),
  };
}
