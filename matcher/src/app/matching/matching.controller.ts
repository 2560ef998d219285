import { KafkaTopic, TradeDeadLetterEvent, TradeSettledEvent, tradeMessageKey } from '@lotwise/contracts';
import { TradeEntity } from '@lotwise/server-data';
import { Controller, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TradeSubmittedEventDto } from './dto/trade-submitted-event.dto';
import { isTransient, PermanentMatchingError } from './matching.errors';
import { ExpectedTrade, MatchingService, Settlement } from './matching.service';

/** Attempts for an error that is neither transient nor known to be permanent, before the trade is rejected. */
const MAX_UNEXPECTED_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 5000;

class ShuttingDown extends Error {}

@Controller()
export class MatchingController implements OnApplicationShutdown {
  private readonly logger = new Logger(MatchingController.name);
  private stopping = false;
  /** Partition → offset of a message given up on during shutdown; later messages there must not commit past it. */
  private readonly abandoned = new Map<number, bigint>();

  constructor(private readonly matching: MatchingService) {}

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  /**
   * One trade per message: settle it in one database transaction, announce the outcome, and only then
   * commit offset + 1. The handler never throws: Nest would log the error and move on to the next
   * message, whose commit would skip this one.
   */
  @EventPattern(KafkaTopic.TradeSubmitted)
  async onTradeSubmitted(@Payload() payload: unknown, @Ctx() context: KafkaContext): Promise<void> {
    const partition = context.getPartition();
    const offset = BigInt(context.getMessage().offset);
    const blocked = this.abandoned.get(partition);
    if (blocked !== undefined && offset > blocked) return;
    this.abandoned.delete(partition);
    const where = `${context.getTopic()}[${partition}]@${offset}`;
    let settled: Settlement | null;
    try {
      const event = await parseEvent(payload);
      // The event is checked against the recorded trade inside the transaction, before anything is written.
      settled = await this.withRetries(where, context, event.tradeId, () =>
        this.matching.settle(event.tradeId, expectedTrade(event)),
      );
    } catch (error) {
      if (error instanceof ShuttingDown) return this.abandon(where, context, 'shutting down');
      return this.deadLetter(where, context, error);
    }
    try {
      if (settled) {
        this.logger.log(
          `${where} trade ${settled.trade.id} ${settled.changed ? settled.trade.status : `already ${settled.trade.status}`}` +
            (settled.trade.rejectReason ? `: ${settled.trade.rejectReason}` : ''),
        );
        const trade = settled.trade;
        await this.withRetries(where, context, null, () => this.publishSettled(context, trade));
      }
      await this.withRetries(where, context, null, () => commitNext(context));
    } catch (error) {
      // The trade is settled; redelivery finds it so, announces it again and commits.
      this.abandon(where, context, error instanceof ShuttingDown ? 'shutting down' : describe(error));
    }
  }

  /** Leaves the message uncommitted and rewinds to it, so it is delivered again instead of skipped. */
  private abandon(where: string, context: KafkaContext, reason: string): void {
    const partition = context.getPartition();
    const offset = context.getMessage().offset;
    this.abandoned.set(partition, BigInt(offset));
    context.getConsumer().seek({ topic: context.getTopic(), partition, offset });
    this.logger.warn(`${where} left uncommitted for redelivery: ${reason}`);
  }

  /**
   * Retries transient failures with backoff for as long as they last (heartbeating so the group keeps the
   * partition), unexpected ones a few times. Returns null when the trade was rejected as unprocessable.
   */
  private async withRetries<T>(
    where: string,
    context: KafkaContext,
    tradeId: string | null,
    work: () => Promise<T>,
  ): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new ShuttingDown();
      try {
        return await work();
      } catch (error) {
        if (error instanceof PermanentMatchingError) throw error;
        const transient = isTransient(error);
        if (!transient && attempt >= MAX_UNEXPECTED_ATTEMPTS) {
          if (tradeId === null) throw error;
          const reason = `could not be applied: ${describe(error)}`;
          const trade = await this.withRetries(where, context, null, () =>
            this.matching.rejectUnprocessable(tradeId, reason),
          );
          this.logger.error(
            `${where} trade ${tradeId} rejected after ${attempt} attempts: ${describe(error)}`,
          );
          if (trade) await this.publishSettled(context, trade);
          throw new PermanentMatchingError(reason);
        }
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        this.logger.warn(
          `${where} attempt ${attempt} failed (${transient ? 'transient' : 'unexpected'}): ${describe(error)}; retrying in ${delay} ms`,
        );
        await sleep(delay);
        await context
          .getHeartbeat()()
          .catch(() => undefined);
      }
    }
  }

  private async publishSettled(context: KafkaContext, trade: TradeEntity): Promise<void> {
    if (trade.status === 'PENDING') return;
    const event: TradeSettledEvent = {
      eventVersion: 1,
      tradeId: trade.id,
      account: trade.account,
      symbol: trade.symbol,
      status: trade.status,
      ...(trade.rejectReason ? { rejectReason: trade.rejectReason } : {}),
      settledAt: (trade.settledAt ?? new Date()).toISOString(),
    };
    await context.getProducer().send({
      topic: KafkaTopic.TradeSettled,
      acks: -1,
      messages: [{ key: tradeMessageKey(trade.account, trade.symbol), value: JSON.stringify(event) }],
    });
  }

  /** The message can never succeed: park it on the dead-letter topic with its reason, then move on. */
  private async deadLetter(where: string, context: KafkaContext, error: unknown): Promise<void> {
    const message = context.getMessage();
    const event: TradeDeadLetterEvent = {
      eventVersion: 1,
      sourceTopic: context.getTopic(),
      partition: context.getPartition(),
      offset: message.offset,
      key: message.key ? message.key.toString() : null,
      rawValue: rawValue(message.value),
      error: describe(error),
      failedAt: new Date().toISOString(),
    };
    this.logger.error(`${where} dead-lettered: ${event.error}`);
    try {
      await this.withRetries(where, context, null, async () => {
        await context.getProducer().send({
          topic: KafkaTopic.TradeDeadLetter,
          acks: -1,
          messages: [{ key: event.key, value: JSON.stringify(event) }],
        });
        await commitNext(context);
      });
    } catch (failure) {
      this.abandon(
        where,
        context,
        failure instanceof ShuttingDown
          ? 'shutting down'
          : `could not be dead-lettered: ${describe(failure)}`,
      );
    }
  }
}

async function parseEvent(payload: unknown): Promise<TradeSubmittedEventDto> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PermanentMatchingError('message value is not a JSON object');
  }
  const dto = plainToInstance(TradeSubmittedEventDto, payload);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const problems = errors.flatMap((e) =>
      Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` }),
    );
    throw new PermanentMatchingError(`invalid ${KafkaTopic.TradeSubmitted} event: ${problems.join('; ')}`);
  }
  return dto;
}

function expectedTrade(event: TradeSubmittedEventDto): ExpectedTrade {
  return { account: event.account, symbol: event.symbol, qty: event.qty, price: event.price };
}

function commitNext(context: KafkaContext): Promise<void> {
  const next = (BigInt(context.getMessage().offset) + 1n).toString();
  return context
    .getConsumer()
    .commitOffsets([{ topic: context.getTopic(), partition: context.getPartition(), offset: next }]);
}

function rawValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
