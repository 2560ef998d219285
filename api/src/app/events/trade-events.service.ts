import { KafkaTopic, LotwiseStreamEvent, Trade, TradeSettledEvent } from '@lotwise/contracts';
import { createKafka, KafkaSettings } from '@lotwise/server-core';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Observable, ReplaySubject, Subject } from 'rxjs';

const RECONNECT_MS = 5000;

/**
 * The live feed behind `GET /events`: trades this api accepted, and outcomes the matcher published on
 * trades.settled.v1. Every api instance reads the whole topic (its own consumer group), because each
 * serves its own browsers.
 */
@Injectable()
export class TradeEventsService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(TradeEventsService.name);
  private readonly events = new Subject<LotwiseStreamEvent>();
  private readonly closing = new ReplaySubject<void>(1);
  private consumer: Consumer | null = null;
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly settings: KafkaSettings) {}

  get stream(): Observable<LotwiseStreamEvent> {
    return this.events.asObservable();
  }

  /** Emits once when the api starts shutting down: open feeds end, so the HTTP server can close. */
  get closed(): Observable<void> {
    return this.closing.asObservable();
  }

  tradeSubmitted(trade: Trade): void {
    this.events.next({ type: 'trade.submitted', trade });
  }

  onApplicationBootstrap(): void {
    this.running = true;
    void this.connect();
  }

  beforeApplicationShutdown(): void {
    this.closing.next();
    this.closing.complete();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.consumer?.disconnect().catch(() => undefined);
    this.events.complete();
  }

  private async connect(): Promise<void> {
    const consumer = createKafka(this.settings, 'lotwise-api-events').consumer({
      groupId: `lotwise-api-events-${hostname()}-${randomUUID()}`,
      allowAutoTopicCreation: false,
      // An idle fetch returns within 1 s, so shutdown (consumer.disconnect) is not held by a long poll.
      maxWaitTimeInMs: 1000,
    });
    this.consumer = consumer;
    // Shutdown may arrive while connecting (Kafka down makes connect() retry for a while): then stop here.
    const stillWanted = async (): Promise<boolean> => {
      if (this.running) return true;
      await consumer.disconnect().catch(() => undefined);
      return false;
    };
    try {
      await consumer.connect();
      if (!(await stillWanted())) return;
      await consumer.subscribe({ topic: KafkaTopic.TradeSettled, fromBeginning: false });
      if (!(await stillWanted())) return;
      // kafkajs restarts the consumer itself after a crash; a crash it gives up on lands here.
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) this.scheduleReconnect(event.payload.error.message);
      });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const settlement = parseSettlement(message.value?.toString());
          if (settlement) this.events.next({ type: 'trade.settled', settlement });
          else
            this.logger.warn(
              `ignored a malformed ${KafkaTopic.TradeSettled} message at offset ${message.offset}`,
            );
        },
      });
    } catch (error) {
      this.scheduleReconnect(error instanceof Error ? error.message : String(error));
    }
  }

  private scheduleReconnect(reason: string): void {
    if (!this.running) return;
    this.logger.warn(`live trade feed unavailable (${reason}); retrying in ${RECONNECT_MS / 1000} s`);
    const failed = this.consumer;
    this.consumer = null;
    void failed?.disconnect().catch(() => undefined);
    this.retryTimer = setTimeout(() => void this.connect(), RECONNECT_MS);
  }
}

function parseSettlement(raw: string | undefined): TradeSettledEvent | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<TradeSettledEvent>;
    return value.eventVersion === 1 && typeof value.tradeId === 'string' && typeof value.account === 'string'
      ? (value as TradeSettledEvent)
      : null;
  } catch {
    return null;
  }
}
