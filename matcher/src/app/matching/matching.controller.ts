import { KafkaTopic, TradeDeadLetterEvent, TradeSettledEvent, tradeMessageKey } from '@lotwise/contracts';
import { KafkaMessageLog } from '@lotwise/server-core';
import { TradeEntity } from '@lotwise/server-data';
import { BeforeApplicationShutdown, Controller, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import type { Consumer } from '@nestjs/microservices/external/kafka.interface';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TradeSubmittedEventDto } from './dto/trade-submitted-event.dto';
import { isTransient, PermanentMatchingError } from './matching.errors';
import { ExpectedTrade, MatchingService, Settlement } from './matching.service';

/** Attempts for an error that is neither transient nor known to be permanent, before the trade is rejected. */
const MAX_UNEXPECTED_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 5000;
/** How long shutdown waits for the messages in flight before letting the consumer go regardless. */
const SHUTDOWN_WAIT_MS = 10_000;

class ShuttingDown extends Error {}

@Controller()
export class MatchingController implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(MatchingController.name);
  private stopping = false;
  /** Wakes the retry pauses in progress when shutdown begins. */
  private readonly pauses = new Set<() => void>();
  /** The handlers running now: shutdown waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The consumer delivering to this handler (from the first delivery's context), paused on shutdown. */
  private consumer: Consumer | null = null;
  /** Partition → offset of a message given up on during shutdown; later messages there must not commit past it. */
  private readonly abandoned = new Map<number, bigint>();

  constructor(private readonly matching: MatchingService) {}

  /**
   * Shutdown, before Nest closes the Kafka server. That close is consumer.disconnect(), and once it has begun
   * kafkajs silently drops commitOffsets() calls, so the messages in flight must be finished here, first:
   * stop fetching (pause), let every message in flight settle, announce and commit, and only then let Nest
   * disconnect (which leaves the group, so the partitions move at once). A message that is failing is not
   * retried any more, and one that arrives now is not started: both are left uncommitted, rewound, and
   * redelivered to the next owner of the partition.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.stopping) {
      this.logger.log('shutting down: the consumer stops fetching; messages in flight finish and commit');
    }
    this.stop();
    try {
      this.consumer?.pause([{ topic: KafkaTopic.TradeSubmitted }]);
    } catch (error) {
      this.logger.warn(`could not pause the consumer: ${describe(error)}`);
    }
    const inFlight = [...this.inFlight];
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.allSettled(inFlight).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_WAIT_MS))),
    ]);
    clearTimeout(timer);
    this.logger.log(
      finished
        ? `${inFlight.length} message(s) in flight finished; leaving the group`
        : `messages in flight did not finish within ${SHUTDOWN_WAIT_MS} ms; they will be redelivered`,
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  private stop(): void {
    this.stopping = true;
    for (const wake of this.pauses) wake();
  }

  /**
   * One trade per message: settle it in one database transaction, announce the outcome, and only then
   * commit offset + 1. The handler never throws: Nest would log the error and move on to the next
   * message, whose commit would skip this one.
   */
  @EventPattern(KafkaTopic.TradeSubmitted)
  async onTradeSubmitted(@Payload() payload: unknown, @Ctx() context: KafkaContext): Promise<void> {
    this.consumer ??= context.getConsumer();
    const work = this.handle(payload, context);
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async handle(payload: unknown, context: KafkaContext): Promise<void> {
    const partition = context.getPartition();
    const offset = BigInt(context.getMessage().offset);
    const blocked = this.abandoned.get(partition);
    if (blocked !== undefined && offset > blocked) return;
    this.abandoned.delete(partition);
    const log = KafkaMessageLog.of(this.logger, context, payload);
    // Delivered after shutdown began (the batch kafkajs had fetched): not started, so the next owner gets it.
    if (this.stopping) return this.abandon(log, context, 'shutting down');
    let settled: Settlement | null;
    try {
      const event = await parseEvent(payload);
      // The event is checked against the recorded trade inside the transaction, before anything is written.
      settled = await this.withRetries(log, context, event.tradeId, () =>
        this.matching.settle(event.tradeId, expectedTrade(event)),
      );
    } catch (error) {
      if (error instanceof ShuttingDown) return this.abandon(log, context, 'shutting down');
      return this.deadLetter(log, context, error);
    }
    try {
      if (settled) {
        log.log(
          `${log.where} trade ${settled.trade.id} ${settled.changed ? settled.trade.status : `already ${settled.trade.status}`}` +
            (settled.trade.rejectReason ? `: ${settled.trade.rejectReason}` : ''),
        );
        const trade = settled.trade;
        await this.withRetries(log, context, null, () => this.publishSettled(context, trade));
      }
      await this.withRetries(log, context, null, () => commitNext(context));
    } catch (error) {
      // The trade is settled; redelivery finds it so, announces it again and commits.
      this.abandon(log, context, error instanceof ShuttingDown ? 'shutting down' : describe(error));
    }
  }

  /** Leaves the message uncommitted and rewinds to it, so it is delivered again instead of skipped. */
  private abandon(log: KafkaMessageLog, context: KafkaContext, reason: string): void {
    const partition = context.getPartition();
    const offset = context.getMessage().offset;
    this.abandoned.set(partition, BigInt(offset));
    context.getConsumer().seek({ topic: context.getTopic(), partition, offset });
    log.warn(`${log.where} left uncommitted for redelivery: ${reason}`);
  }

  /**
   * Retries transient failures with backoff for as long as they last (heartbeating so the group keeps the
   * partition), unexpected ones a few times. Returns null when the trade was rejected as unprocessable.
   */
  private async withRetries<T>(
    log: KafkaMessageLog,
    context: KafkaContext,
    tradeId: string | null,
    work: () => Promise<T>,
  ): Promise<T | null> {
    // The first attempt runs even while stopping (the trade in flight finishes); retries do not.
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (error instanceof PermanentMatchingError) throw error;
        const transient = isTransient(error);
        if (!transient && attempt >= MAX_UNEXPECTED_ATTEMPTS) {
          if (tradeId === null) throw error;
          const reason = `could not be applied: ${describe(error)}`;
          const trade = await this.withRetries(log, context, null, () =>
            this.matching.rejectUnprocessable(tradeId, reason),
          );
          log.error(`${log.where} trade ${tradeId} rejected after ${attempt} attempts: ${describe(error)}`);
          if (trade) await this.publishSettled(context, trade);
          throw new PermanentMatchingError(reason);
        }
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        log.warn(
          `${log.where} attempt ${attempt} failed (${transient ? 'transient' : 'unexpected'}): ${describe(error)}; retrying in ${delay} ms`,
        );
        if (this.stopping) throw new ShuttingDown();
        await this.pause(delay);
        if (this.stopping) throw new ShuttingDown();
        await context
          .getHeartbeat()()
          .catch(() => undefined);
      }
    }
  }

  /** A backoff pause that shutdown cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
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
  private async deadLetter(log: KafkaMessageLog, context: KafkaContext, error: unknown): Promise<void> {
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
    log.error(`${log.where} dead-lettered: ${event.error}`);
    try {
      await this.withRetries(log, context, null, async () => {
        await context.getProducer().send({
          topic: KafkaTopic.TradeDeadLetter,
          acks: -1,
          messages: [{ key: event.key, value: JSON.stringify(event) }],
        });
        await commitNext(context);
      });
    } catch (failure) {
      this.abandon(
        log,
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
