import { TradeStatus } from '@lotwise/contracts';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

// The schema itself is owned by init.sql (synchronize stays off); these classes map it.
// NUMERIC and BIGINT columns stay strings end to end, so no value ever passes through a JS number.

@Entity({ name: 'trades' })
export class TradeEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  account!: string;

  @Column({ type: 'varchar', length: 16 })
  symbol!: string;

  @Column({ type: 'numeric' })
  qty!: string;

  @Column({ type: 'numeric' })
  price!: string;

  @Column({ name: 'executed_at', type: 'timestamptz' })
  executedAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ type: 'varchar', length: 10 })
  status!: TradeStatus;

  @Column({ name: 'reject_reason', type: 'text', nullable: true })
  rejectReason!: string | null;

  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  @Column({ name: 'client_trade_id', type: 'varchar', length: 128, nullable: true })
  clientTradeId!: string | null;

  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true })
  requestHash!: string | null;
}

@Entity({ name: 'positions' })
export class PositionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  account!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  symbol!: string;

  @Column({ name: 'open_qty', type: 'numeric' })
  openQty!: string;

  /** Σ remaining_qty × price of the open lots (the position's cost basis), kept by the matcher. */
  @Column({ name: 'open_cost', type: 'numeric' })
  openCost!: string;

  /** Σ of the position's realized P&L entries, kept by the matcher. */
  @Column({ name: 'realized_pnl', type: 'numeric' })
  realizedPnl!: string;

  @Column({ name: 'realized_entries', type: 'bigint' })
  realizedEntries!: string;

  @Column({ name: 'last_executed_at', type: 'timestamptz', nullable: true })
  lastExecutedAt!: Date | null;

  @Column({ name: 'last_trade_id', type: 'bigint', nullable: true })
  lastTradeId!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'lots' })
export class LotEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  account!: string;

  @Column({ type: 'varchar', length: 16 })
  symbol!: string;

  @Column({ name: 'trade_id', type: 'bigint' })
  tradeId!: string;

  @Column({ type: 'numeric' })
  qty!: string;

  @Column({ name: 'remaining_qty', type: 'numeric' })
  remainingQty!: string;

  @Column({ type: 'numeric' })
  price!: string;

  @Column({ name: 'executed_at', type: 'timestamptz' })
  executedAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

@Entity({ name: 'realized_pnl' })
export class RealizedPnlEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  account!: string;

  @Column({ type: 'varchar', length: 16 })
  symbol!: string;

  @Column({ type: 'numeric' })
  qty!: string;

  @Column({ name: 'buy_price', type: 'numeric' })
  buyPrice!: string;

  @Column({ name: 'sell_price', type: 'numeric' })
  sellPrice!: string;

  @Column({ name: 'realized_pnl', type: 'numeric' })
  realizedPnl!: string;

  @Column({ name: 'lot_id', type: 'bigint' })
  lotId!: string;

  @Column({ name: 'sell_trade_id', type: 'bigint' })
  sellTradeId!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

@Entity({ name: 'outbox' })
export class OutboxEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  topic!: string;

  @Column({ name: 'message_key', type: 'varchar', length: 255 })
  messageKey!: string;

  @Column({ type: 'jsonb' })
  payload!: object;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}

export const LOTWISE_ENTITIES = [TradeEntity, PositionEntity, LotEntity, RealizedPnlEntity, OutboxEntity];
