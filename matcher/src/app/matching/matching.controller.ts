import { KafkaTopic, TradeDeadLetterEvent, TradeSettledEvent, tradeMessageKey } from '@lotwise/contracts';
import { KafkaBatchContext, KafkaMessageLog } from '@lotwise/server-core';
import { BeforeApplicationShutdown, Controller, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Consumer, KafkaMessage, Message } from '@nestjs/microservices/external/kafka.interface';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TradeSubmittedEventDto } from './dto/trade-submitted-event.dto';
import { isTransient, PermanentMatchingError } from './matching.errors';
import { BatchResult, ExpectedTrade, MatchingService, SettledTrade } from './matching.service';

/** Attempts for an error that is neither transient nor known to be permanent, before the trade is rejected. */
const MAX_UNEXPECTED_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 5000;
/** How long shutdown waits for the batches in flight before letting the consumer go regardless. */
const SHUTDOWN_WAIT_MS = 10_000;
/** Trades per transaction, produce and offset commit. Bounds the transaction and the work redone after a crash. */
export const MAX_CHUNK = 500;

class ShuttingDown extends Error {}

/** A trade that kept failing for no known reason: rejected with the reason (when still pending), then dead-lettered. */
class Unprocessable extends Error {
  constructor(
    message: string,
    readonly trade: SettledTrade | null,
  ) {
    super(message);
  }
}

interface Delivery {
  message: KafkaMessage;
  payload: unknown;
}

/** What became of one message: announced as settled, and/or parked on the dead-letter topic with a reason. */
type Handled =
  | { kind: 'settled'; trade: SettledTrade; changed: boolean }
  | { kind: 'dead'; reason: string; trade: SettledTrade | null };

@Controller()
export class MatchingController implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(MatchingController.name);
  private stopping = false;
  /** Wakes the retry pauses in progress when shutdown begins. */
  private readonly pauses = new Set<() => void>();
  /** The batches being handled now: shutdown waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The consumer delivering to this handler (from the first delivery's context), paused on shutdown. */
  private consumer: Consumer | null = null;

  constructor(private readonly matching: MatchingService) {}

  /**
   * Shutdown, before Nest closes the Kafka server. That close is consumer.disconnect(), and once it has begun
   * kafkajs silently drops commitOffsets() calls, so the work in flight must be finished here, first: stop
   * fetching (pause), let the chunk in flight settle, announce and commit, and only then let Nest disconnect
   * (which leaves the group, so the partitions move at once). The rest of a batch is not started, and a
   * failing chunk is not retried any more: both are left uncommitted and redelivered to the next owner.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.stopping) {
      this.logger.log('shutting down: the consumer stops fetching; the trades in flight finish and commit');
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
        ? `${inFlight.length} batch(es) in flight finished; leaving the group`
        : `batches in flight did not finish within ${SHUTDOWN_WAIT_MS} ms; they will be redelivered`,
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
   * One fetched batch of a partition, in chunks of up to MAX_CHUNK trades: each chunk is settled in one
   * database transaction, its outcomes announced in one produce, and only then its last offset + 1
   * committed. The handler never throws: what it cannot finish it rewinds to, so it is delivered again
   * rather than skipped.
   */
  @EventPattern(KafkaTopic.TradeSubmitted)
  async onTradesSubmitted(@Payload() payloads: unknown[], @Ctx() context: KafkaBatchContext): Promise<void> {
    this.consumer ??= context.getConsumer();
    const work = this.handleBatch(payloads, context);
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private async handleBatch(payloads: unknown[], context: KafkaBatchContext): Promise<void> {
    const deliveries = context.getMessages().map((message, index) => ({ message, payload: payloads[index] }));
    for (let start = 0; start < deliveries.length; start += MAX_CHUNK) {
      const chunk = deliveries.slice(start, start + MAX_CHUNK);
      const first = chunk[0];
      if (!first) return;
      // Not started: the partition moved (a seek or a rebalance), or the consumer is stopping.
      if (context.isStale()) return;
      if (this.stopping || !context.isRunning()) return this.rewind(context, first, 'shutting down');
      if (!(await this.handleChunk(chunk, context))) return;
    }
  }

  /** Returns false when the chunk was rewound for redelivery. */
  private async handleChunk(chunk: Delivery[], context: KafkaBatchContext): Promise<boolean> {
    const first = chunk[0] as Delivery;
    const last = chunk[chunk.length - 1] as Delivery;
    let handled: Handled[];
    try {
      handled = await this.settleChunk(chunk, context);
    } catch (error) {
      this.rewind(context, first, error instanceof ShuttingDown ? 'shutting down' : describe(error));
      return false;
    }
    try {
      await this.withRetries(context, () => this.announce(chunk, handled, context));
      await this.withRetries(context, () => commitAfter(context, last.message.offset));
    } catch (error) {
      // The trades are settled; redelivery finds them so, announces them again and commits.
      this.rewind(context, first, error instanceof ShuttingDown ? 'shutting down' : describe(error));
      return false;
    }
    context.resolveOffset(last.message.offset);
    await context
      .getHeartbeat()()
      .catch(() => undefined);
    this.logChunk(chunk, handled, context);
    return true;
  }

  /**
   * Settles the chunk's valid events in one transaction, retried for as long as the database is unavailable.
   * If it fails for any other reason, the trade responsible is found by settling the chunk one trade at a time.
   */
  private async settleChunk(chunk: Delivery[], context: KafkaBatchContext): Promise<Handled[]> {
    const handled: (Handled | undefined)[] = new Array(chunk.length);
    const valid: { index: number; event: TradeSubmittedEventDto }[] = [];
    for (const [index, delivery] of chunk.entries()) {
      try {
        valid.push({ index, event: await parseEvent(delivery.payload) });
      } catch (error) {
        handled[index] = { kind: 'dead', reason: describe(error), trade: null };
      }
    }
    if (valid.length > 0) {
      const requests = valid.map(({ event }) => ({ tradeId: event.tradeId, expected: expectedTrade(event) }));
      let results: BatchResult[] | null = null;
      try {
        results = await this.withRetries(context, () => this.matching.settleBatch(requests), 1);
      } catch (error) {
        if (error instanceof ShuttingDown) throw error;
        this.logger.warn(
          `${where(context, chunk)}: settling ${valid.length} trades together failed (${describe(error)}); settling them one at a time`,
        );
      }
      for (const [position, { index, event }] of valid.entries()) {
        const result = results?.[position];
        handled[index] = result
          ? fromBatchResult(result)
          : await this.settleAlone(context, chunk[index] as Delivery, event);
      }
    }
    return handled.map((h) => h ?? { kind: 'dead', reason: 'not handled', trade: null });
  }

  private async settleAlone(
    context: KafkaBatchContext,
    delivery: Delivery,
    event: TradeSubmittedEventDto,
  ): Promise<Handled> {
    try {
      const settled = await this.withRetries(
        context,
        () => this.matching.settle(event.tradeId, expectedTrade(event)),
        MAX_UNEXPECTED_ATTEMPTS,
        event.tradeId,
        deliveryLog(this.logger, context, delivery),
      );
      return { kind: 'settled', trade: settled.trade, changed: settled.changed };
    } catch (error) {
      if (error instanceof ShuttingDown) throw error;
      return {
        kind: 'dead',
        reason: describe(error),
        trade: error instanceof Unprocessable ? error.trade : null,
      };
    }
  }

  /** One produce for the chunk: every outcome on trades.settled.v1, every dead letter with its reason. */
  private async announce(chunk: Delivery[], handled: Handled[], context: KafkaBatchContext): Promise<void> {
    const settled: Message[] = [];
    const dead: Message[] = [];
    for (const [index, outcome] of handled.entries()) {
      const trade = outcome.trade;
      if (trade && isFinal(trade)) settled.push(settledMessage(trade));
      if (outcome.kind === 'dead') {
        dead.push(deadLetterMessage(context, (chunk[index] as Delivery).message, outcome.reason));
      }
    }
    const topicMessages = [
      ...(settled.length > 0 ? [{ topic: KafkaTopic.TradeSettled, messages: settled }] : []),
      ...(dead.length > 0 ? [{ topic: KafkaTopic.TradeDeadLetter, messages: dead }] : []),
    ];
    if (topicMessages.length > 0) await context.getProducer().sendBatch({ acks: -1, topicMessages });
  }

  /** Leaves the rest of the batch uncommitted and rewinds to it, so it is delivered again instead of skipped. */
  private rewind(context: KafkaBatchContext, from: Delivery, reason: string): void {
    const offset = from.message.offset;
    try {
      context.getConsumer().seek({ topic: context.getTopic(), partition: context.getPartition(), offset });
    } catch (error) {
      this.logger.warn(`could not seek back to ${offset}: ${describe(error)}`);
    }
    this.logger.warn(
      `${context.getTopic()}[${context.getPartition()}]@${offset}: left uncommitted for redelivery: ${reason}`,
    );
  }

  /**
   * Retries transient failures with backoff for as long as they last (heartbeating so the group keeps the
   * partition), unexpected ones `attempts` times. With a trade id, a trade that exhausts its attempts is
   * rejected with the reason and an Unprocessable error is thrown.
   */
  private async withRetries<T>(
    context: KafkaBatchContext,
    work: () => Promise<T>,
    attempts = MAX_UNEXPECTED_ATTEMPTS,
    tradeId: string | null = null,
    log: KafkaMessageLog | null = null,
  ): Promise<T> {
    // The first attempt runs even while stopping (the chunk in flight finishes); retries do not.
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (error instanceof PermanentMatchingError) throw error;
        const transient = isTransient(error);
        if (!transient && attempt >= attempts) {
          if (tradeId === null) throw error;
          const reason = `could not be applied: ${describe(error)}`;
          const trade = await this.withRetries(context, () =>
            this.matching.rejectUnprocessable(tradeId, reason),
          );
          log?.error(`${log.where} trade ${tradeId} rejected after ${attempt} attempts: ${describe(error)}`);
          throw new Unprocessable(reason, trade);
        }
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10));
        const text = `attempt ${attempt} failed (${transient ? 'transient' : 'unexpected'}): ${describe(error)}; retrying in ${delay} ms`;
        if (log) log.warn(`${log.where} ${text}`);
        else this.logger.warn(`${context.getTopic()}[${context.getPartition()}] ${text}`);
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

  /** One line per chunk; a line per trade at debug level, and every dead letter as an error with its reason. */
  private logChunk(chunk: Delivery[], handled: Handled[], context: KafkaBatchContext): void {
    const counts = { APPLIED: 0, REJECTED: 0, redelivered: 0, dead: 0 };
    for (const [index, outcome] of handled.entries()) {
      const log = deliveryLog(this.logger, context, chunk[index] as Delivery);
      if (outcome.kind === 'dead') {
        counts.dead++;
        log.error(`${log.where} dead-lettered: ${outcome.reason}`);
      } else if (!outcome.changed) {
        counts.redelivered++;
        log.debug(`${log.where} trade ${outcome.trade.id} already ${outcome.trade.status}`);
      } else {
        counts[outcome.trade.status === 'APPLIED' ? 'APPLIED' : 'REJECTED']++;
        log.debug(
          `${log.where} trade ${outcome.trade.id} ${outcome.trade.status}` +
            (outcome.trade.rejectReason ? `: ${outcome.trade.rejectReason}` : ''),
        );
      }
    }
    this.logger.log({
      msg: `${where(context, chunk)}: ${chunk.length} settled and committed (${counts.APPLIED} applied, ${counts.REJECTED} rejected, ${counts.redelivered} already settled, ${counts.dead} dead-lettered)`,
      topic: context.getTopic(),
      partition: context.getPartition(),
      ...counts,
    });
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

function isFinal(trade: SettledTrade): trade is SettledTrade & { status: TradeSettledEvent['status'] } {
  return trade.status !== 'PENDING';
}

function fromBatchResult(result: BatchResult): Handled {
  return result.kind === 'settled' ? result : { kind: 'dead', reason: result.reason, trade: null };
}

function expectedTrade(event: TradeSubmittedEventDto): ExpectedTrade {
  return { account: event.account, symbol: event.symbol, qty: event.qty, price: event.price };
}

function commitAfter(context: KafkaBatchContext, offset: string): Promise<void> {
  const next = (BigInt(offset) + 1n).toString();
  return context
    .getConsumer()
    .commitOffsets([{ topic: context.getTopic(), partition: context.getPartition(), offset: next }]);
}

function settledMessage(trade: SettledTrade & { status: TradeSettledEvent['status'] }): Message {
  const event: TradeSettledEvent = {
    eventVersion: 1,
    tradeId: trade.id,
    account: trade.account,
    symbol: trade.symbol,
    status: trade.status,
    ...(trade.rejectReason ? { rejectReason: trade.rejectReason } : {}),
    settledAt: (trade.settledAt ?? new Date()).toISOString(),
  };
  return { key: tradeMessageKey(trade.account, trade.symbol), value: JSON.stringify(event) };
}

function deadLetterMessage(context: KafkaBatchContext, message: KafkaMessage, reason: string): Message {
  const event: TradeDeadLetterEvent = {
    eventVersion: 1,
    sourceTopic: context.getTopic(),
    partition: context.getPartition(),
    offset: message.offset,
    key: message.key ? message.key.toString() : null,
    rawValue: rawValue(message.value),
    error: reason,
    failedAt: new Date().toISOString(),
  };
  return { key: event.key, value: JSON.stringify(event) };
}

function deliveryLog(logger: Logger, context: KafkaBatchContext, delivery: Delivery): KafkaMessageLog {
  return KafkaMessageLog.of(logger, context, delivery.payload, delivery.message);
}

function where(context: KafkaBatchContext, chunk: Delivery[]): string {
  const first = chunk[0]?.message.offset;
  const last = chunk[chunk.length - 1]?.message.offset;
  return `${context.getTopic()}[${context.getPartition()}]@${first}..${last}`;
}

function rawValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
