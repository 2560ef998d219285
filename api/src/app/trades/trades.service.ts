import {
  DEFAULT_ACCOUNT,
  KafkaTopic,
  Trade,
  TradePage,
  TradeStatus,
  TradeSubmittedEvent,
  tradeMessageKey,
} from '@lotwise/contracts';
import { parseDecimal } from '@lotwise/lot-engine';
import { OutboxEntity, TradeEntity, toTrade } from '@lotwise/server-data';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { TradeEventsService } from '../events/trade-events.service';
import { OutboxRelayService } from '../outbox/outbox-relay.service';
import { ListTradesQueryDto } from './dto/list-trades-query.dto';
import { SubmitTradeDto } from './dto/submit-trade.dto';

/** How far ahead of the api's clock an executedAt may be (clock skew between trader and server). */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
const UNIQUE_VIOLATION = '23505';

export interface SubmitResult {
  trade: Trade;
  created: boolean;
}

@Injectable()
export class TradesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly relay: OutboxRelayService,
    private readonly events: TradeEventsService,
  ) {}

  async submit(dto: SubmitTradeDto, receivedAt = new Date()): Promise<SubmitResult> {
    const trade = normalize(dto, receivedAt);
    if (trade.clientTradeId !== null) {
      const existing = await this.findByClientTradeId(trade.account, trade.clientTradeId);
      if (existing) return this.replayOf(existing, trade.requestHash);
    }
    try {
      const saved = await this.dataSource.transaction(async (manager) => {
        const entity = await manager
          .getRepository(TradeEntity)
          .save(manager.getRepository(TradeEntity).create(trade));
        const event: TradeSubmittedEvent = {
          eventVersion: 1,
          tradeId: entity.id,
          account: entity.account,
          symbol: entity.symbol,
          qty: entity.qty,
          price: entity.price,
          executedAt: entity.executedAt.toISOString(),
          receivedAt: entity.receivedAt.toISOString(),
        };
        await manager.getRepository(OutboxEntity).insert({
          topic: KafkaTopic.TradeSubmitted,
          messageKey: tradeMessageKey(entity.account, entity.symbol),
          payload: event,
        });
        return entity;
      });
      this.relay.kick();
      const accepted = toTrade(saved);
      this.events.tradeSubmitted(accepted);
      return { trade: accepted, created: true };
    } catch (error) {
      // Two requests with one clientTradeId raced: the loser answers like a retry.
      if (trade.clientTradeId !== null && isUniqueViolation(error)) {
        const existing = await this.findByClientTradeId(trade.account, trade.clientTradeId);
        if (existing) return this.replayOf(existing, trade.requestHash);
      }
      throw error;
    }
  }

  async get(id: string): Promise<Trade> {
    const entity = /^\d{1,18}$/.test(id)
      ? await this.dataSource.getRepository(TradeEntity).findOneBy({ id })
      : null;
    if (!entity) throw new NotFoundException(`trade ${id} not found`);
    return toTrade(entity);
  }

  async list(query: ListTradesQueryDto): Promise<TradePage> {
    const limit = query.limit ?? 50;
    const qb = this.dataSource
      .getRepository(TradeEntity)
      .createQueryBuilder('t')
      .orderBy('t.id', 'DESC')
      .limit(limit + 1);
    if (query.account) qb.andWhere('t.account = :account', { account: query.account });
    if (query.symbol) qb.andWhere('t.symbol = :symbol', { symbol: query.symbol });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.cursor) qb.andWhere('t.id < :cursor', { cursor: query.cursor });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    return {
      items: page.map(toTrade),
      nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  }

  private findByClientTradeId(account: string, clientTradeId: string): Promise<TradeEntity | null> {
    return this.dataSource.getRepository(TradeEntity).findOneBy({ account, clientTradeId });
  }

  private replayOf(existing: TradeEntity, requestHash: string): SubmitResult {
    if (existing.requestHash !== requestHash) {
      throw new ConflictException(
        `clientTradeId ${existing.clientTradeId} was already used by trade ${existing.id} with a different body`,
      );
    }
    return { trade: toTrade(existing), created: false };
  }
}

type NewTrade = Pick<
  TradeEntity,
  'account' | 'symbol' | 'qty' | 'price' | 'executedAt' | 'receivedAt' | 'status' | 'clientTradeId'
> & { requestHash: string };

function normalize(dto: SubmitTradeDto, receivedAt: Date): NewTrade {
  // The DTO is validated already; parsing again yields the canonical strings.
  const qty = decimalOrThrow('qty', dto.qty);
  const price = decimalOrThrow('price', dto.price);
  const executedAt = dto.executedAt !== undefined ? new Date(dto.executedAt) : receivedAt;
  if (Number.isNaN(executedAt.getTime()))
    throw new BadRequestException(['executedAt must be an ISO-8601 timestamp']);
  if (executedAt.getTime() > receivedAt.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new BadRequestException(['executedAt must not be in the future']);
  }
  const account = dto.account ?? DEFAULT_ACCOUNT;
  const clientTradeId = dto.clientTradeId ?? null;
  // The fingerprint covers the request as sent (an omitted executedAt stays omitted), so a retry matches.
  const requestHash = createHash('sha256')
    .update(
      JSON.stringify([
        account,
        dto.symbol,
        qty,
        price,
        dto.executedAt !== undefined ? executedAt.toISOString() : null,
      ]),
    )
    .digest('hex');
  return {
    account,
    symbol: dto.symbol,
    qty,
    price,
    executedAt,
    receivedAt,
    status: TradeStatus.Pending,
    clientTradeId,
    requestHash,
  };
}

function decimalOrThrow(field: string, value: string | number): string {
  const parsed = parseDecimal(value);
  if (!parsed.ok) throw new BadRequestException([`${field} ${parsed.reason}`]);
  return parsed.value;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
  );
}
