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
import { TradeEntity, toTrade } from '@lotwise/server-data';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TradeEventsService } from '../events/trade-events.service';
import { OutboxRelayService } from '../outbox/outbox-relay.service';
import { ListTradesQueryDto } from './dto/list-trades-query.dto';
import { SubmitTradeDto } from './dto/submit-trade.dto';
import { TradeWriter } from './trade-writer';

/** How far ahead of the api's clock an executedAt may be (clock skew between trader and server). */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface SubmitResult {
  trade: Trade;
  created: boolean;
}

@Injectable()
export class TradesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: TradeWriter,
    private readonly relay: OutboxRelayService,
    private readonly events: TradeEventsService,
  ) {}

  async submit(dto: SubmitTradeDto, receivedAt = new Date()): Promise<SubmitResult> {
    const trade = normalize(dto, receivedAt);
    // The payload without tradeId, which the statement adds once the trade has its id.
    const event: Omit<TradeSubmittedEvent, 'tradeId'> = {
      eventVersion: 1,
      account: trade.account,
      symbol: trade.symbol,
      qty: trade.qty,
      price: trade.price,
      executedAt: trade.executedAt.toISOString(),
      receivedAt: trade.receivedAt.toISOString(),
    };
    // Committed with its outbox row (in a batch shared with concurrent POSTs) before this resolves.
    const tradeId = await this.writer.write({
      account: trade.account,
      symbol: trade.symbol,
      qty: trade.qty,
      price: trade.price,
      executedAt: trade.executedAt,
      receivedAt: trade.receivedAt,
      status: trade.status,
      clientTradeId: trade.clientTradeId,
      requestHash: trade.requestHash,
      topic: KafkaTopic.TradeSubmitted,
      messageKey: tradeMessageKey(trade.account, trade.symbol),
      payload: JSON.stringify(event),
    });
    if (tradeId === null) {
      // No row: the clientTradeId is taken (an earlier request, or one that raced this one and committed first).
      const existing =
        trade.clientTradeId !== null
          ? await this.findByClientTradeId(trade.account, trade.clientTradeId)
          : null;
      if (!existing) throw new Error(`trade ${trade.account}/${trade.clientTradeId ?? ''} was not recorded`);
      return this.replayOf(existing, trade.requestHash);
    }
    this.relay.kick();
    const accepted = toTrade(
      Object.assign(new TradeEntity(), trade, { id: tradeId, rejectReason: null, settledAt: null }),
    );
    this.events.tradeSubmitted(accepted);
    return { trade: accepted, created: true };
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
