import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { lastValueFrom } from 'rxjs';
import { DataSource } from 'typeorm';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

const BATCH_SIZE = 500;
/** Advisory lock key held by the api instance that drains the outbox (any constant unique to Lotwise). */
const OUTBOX_DRAIN_LOCK = 7_180_011;
const IDLE_POLL_MS = 1000;
/**
 * How soon a relay tries again when another api instance holds the drain lock: that drain may have read the
 * outbox before this instance's rows committed, and ends within milliseconds; the idle poll would add a second.
 */
export const LOCK_RETRY_MS = 10;
/** How long a kick waits for more, so a burst of POSTs shares one relay transaction and one produce request. */
export const KICK_DEBOUNCE_MS = 2;
const MAX_BACKOFF_MS = 10_000;
/** Shutdown budget for the relay: finish the batch in hand, then publish what is left, within this time. */
export const SHUTDOWN_DRAIN_MS = 5000;

/** The columns of an outbox row the relay sends. */
interface OutboxMessage {
  id: string;
  topic: string;
  messageKey: string;
  payload: object;
}

export interface RelayStatus {
  backlog: number;
  lastError: string | null;
  lastErrorAt: string | null;
  publishedTotal: number;
}

/**
 * Drains the transactional outbox to Kafka. A trade's 202 is only sent once its outbox row is
 * committed, so whatever happens to Kafka or to this process afterwards, the relay (this one or
 * the next to start) publishes it. Publishing twice is possible after a crash; the matcher ignores
 * a trade it has already settled.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelayService.name);
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private wakeOnKick = false;
  private pendingKick = false;
  private kickTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private status: RelayStatus = { backlog: 0, lastError: null, lastErrorAt: null, publishedTotal: 0 };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KAFKA_CLIENT) private readonly kafka: ClientKafka,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Shutdown, step two (after the HTTP server has closed, so nothing new can enter the outbox): stop the loop,
   * then drain the outbox once more, so trades accepted just before the signal go out now rather than when
   * the next api starts. Bounded by SHUTDOWN_DRAIN_MS: with Kafka down, what is left waits for the next relay.
   */
  async onApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
    this.running = false;
    this.kick();
    try {
      await withDeadline(this.loop ?? Promise.resolve(), deadline, 'the batch in hand');
      let published = 0;
      for (let batch = BATCH_SIZE; batch === BATCH_SIZE;) {
        // Another instance draining now publishes what is left.
        batch = (await withDeadline(this.drainOnce(), deadline, 'the final drain')) ?? 0;
        published += batch;
      }
      this.logger.log(`outbox drained on shutdown (${published} published)`);
    } catch (error) {
      this.logger.warn(
        `outbox not drained on shutdown (${errorMessage(error)}); the next relay to start publishes the rest`,
      );
    }
    await this.kafka.close().catch(() => undefined);
  }

  /** Called after a trade commits, so it is published within a few ms instead of at the next poll. */
  kick(): void {
    this.pendingKick = true;
    if (!this.running) {
      this.wake?.();
      return;
    }
    // A backoff pause is only cut short by shutdown, not by new trades.
    if (!this.wakeOnKick || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      if (this.wakeOnKick) this.wake?.();
    }, KICK_DEBOUNCE_MS);
  }

  /** The relay's counters and last failure, without asking the database for the backlog. */
  snapshot(): Omit<RelayStatus, 'backlog'> {
    const { lastError, lastErrorAt, publishedTotal } = this.status;
    return { lastError, lastErrorAt, publishedTotal };
  }

  async currentStatus(): Promise<RelayStatus> {
    const [{ backlog }] = await this.dataSource.query(
      'SELECT count(*)::int AS backlog FROM outbox WHERE published_at IS NULL',
    );
    this.status.backlog = backlog;
    return { ...this.status };
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published: number | null = 0;
      try {
        published = await this.drainOnce();
        if (this.failures > 0)
          this.logger.log(`outbox relay recovered after ${this.failures} failed attempts`);
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        const message = errorMessage(error);
        this.status.lastError = message;
        this.status.lastErrorAt = new Date().toISOString();
        const delay = Math.min(MAX_BACKOFF_MS, 200 * 2 ** Math.min(this.failures, 10));
        this.logger.warn(
          `outbox relay attempt ${this.failures} failed (${message}); retrying in ${delay} ms`,
        );
        // A failed connection is not reused: Nest's client would otherwise keep its rejected promise.
        await this.kafka.close().catch(() => undefined);
        await this.sleep(delay, false);
        continue;
      }
      if (published === null) await this.sleep(LOCK_RETRY_MS, false);
      else if (published < BATCH_SIZE) await this.sleep(IDLE_POLL_MS, true);
    }
  }

  /** Publishes one batch; returns how many rows it published, or null when another instance is draining. */
  private async drainOnce(): Promise<number | null> {
    await this.kafka.connect();
    const { count, failure } = await this.dataSource.transaction(async (manager) => {
      // One relay drains at a time, whatever the number of api instances: two draining side by side could
      // publish one position's events out of order. The lock ends with the transaction.
      const [{ drainer }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS drainer', [
        OUTBOX_DRAIN_LOCK,
      ]);
      if (!drainer) return { count: null, failure: null };
      const rows: OutboxMessage[] = await manager.query(
        'SELECT id, topic, message_key AS "messageKey", payload FROM outbox WHERE published_at IS NULL ' +
          'ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH_SIZE],
      );
      const { published, failure } = await this.publish(rows);
      if (published.length > 0) {
        await manager.query(
          'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)',
          [published],
        );
      }
      if (failure) {
        const sent = new Set(published);
        const unpublished = rows.filter((r) => !sent.has(r.id)).map((r) => r.id);
        await manager.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)', [
          unpublished,
          errorMessage(failure.error),
        ]);
      }
      // What went out is committed as published even when the rest failed.
      return { count: published.length, failure };
    });
    this.status.publishedTotal += count ?? 0;
    if (failure) throw failure.error;
    return count;
  }

  /**
   * Sends the batch as one produce request per topic (the outbox holds one topic today), acks=all. kafkajs
   * writes each partition's messages in array order, and the rows come in id order, so a key's events stay
   * in order; the idempotent producer keeps that order across its retries. A topic's rows count as published
   * only once the broker acknowledged the whole request.
   */
  private async publish(
    rows: OutboxMessage[],
  ): Promise<{ published: string[]; failure: { error: unknown } | null }> {
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const row of rows) {
      const batch = byTopic.get(row.topic);
      if (batch) batch.push(row);
      else byTopic.set(row.topic, [row]);
    }
    const sends = [...byTopic].map(async ([topic, batch]) => {
      await lastValueFrom(
        this.kafka.emitBatch(topic, {
          messages: batch.map((row) => ({ key: row.messageKey, value: row.payload })),
        }),
      );
      return batch;
    });
    const published: string[] = [];
    // Boxed, so even a rejection with a falsy reason counts as a failure.
    let failure: { error: unknown } | null = null;
    for (const result of await Promise.allSettled(sends)) {
      if (result.status === 'fulfilled') published.push(...result.value.map((row) => row.id));
      else failure ??= { error: result.reason };
    }
    return { published, failure };
  }

  private sleep(ms: number, wakeOnKick: boolean): Promise<void> {
    if (wakeOnKick && this.pendingKick) {
      this.pendingKick = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      this.wakeOnKick = wakeOnKick;
      if (!this.running) done();
    }).then(() => {
      this.wake = null;
      this.wakeOnKick = false;
      this.pendingKick = false;
      if (this.kickTimer) clearTimeout(this.kickTimer);
      this.kickTimer = null;
    });
  }
}

function withDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${SHUTDOWN_DRAIN_MS} ms`)),
      Math.max(0, deadline - Date.now()),
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
