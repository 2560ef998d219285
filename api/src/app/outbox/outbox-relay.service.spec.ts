import { KafkaTopic } from '@lotwise/contracts';
import { KafkaSettings } from '@lotwise/server-core';
import { OutboxEntity } from '@lotwise/server-data';
import { ClientKafka } from '@nestjs/microservices';
import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { of, Subject, throwError } from 'rxjs';
import {
  KAFKA_CLIENT,
  KICK_DEBOUNCE_MS,
  LOCK_RETRY_MS,
  OutboxRelayService,
  SHUTDOWN_DRAIN_MS,
} from './outbox-relay.service';
import { relayKafkaOptions } from './outbox.module';

/** An UPDATE of the outbox as the fake table understood it, with its ids in numeric order. */
type OutboxUpdate = { kind: 'published'; ids: string[] } | { kind: 'failed'; ids: string[]; error: string };

/** A batch read as the relay ran it. */
interface OutboxRead {
  sql: string;
  params: unknown[];
}

interface RecordMetadata {
  topicName: string;
  partition: number;
}

/**
 * An in-memory outbox table. The UPDATEs run inside `transaction` take effect only when the callback
 * resolves (commit) and are dropped when it throws (rollback), as PostgreSQL would do.
 */
class FakeOutbox {
  readonly rows: OutboxEntity[] = [];
  /** Committed UPDATEs, in the order they were run. */
  readonly updates: OutboxUpdate[] = [];
  /** Every batch read, in the order they were run. */
  readonly reads: OutboxRead[] = [];
  backlogQueries = 0;
  /** Another api instance holds the drain lock. */
  drainLockTaken = false;

  readonly dataSource = {
    transaction: async <T>(work: (manager: unknown) => Promise<T>): Promise<T> => {
      const staged: OutboxUpdate[] = [];
      const manager = {
        query: async (sql: string, params: unknown[]) => {
          if (sql.includes('pg_try_advisory_xact_lock')) return [{ drainer: !this.drainLockTaken }];
          if (sql.startsWith('SELECT')) return this.read(sql, params);
          staged.push(parseUpdate(sql, params));
          return [];
        },
      };
      const result = await work(manager);
      for (const update of staged) this.apply(update);
      return result;
    },
    query: async (sql: string) => {
      if (!/count\(\*\).*FROM outbox WHERE published_at IS NULL/s.test(sql)) {
        throw new Error(`unexpected query: ${sql}`);
      }
      this.backlogQueries += 1;
      return [{ backlog: this.unpublished().length }];
    },
  };

  insert(...rows: OutboxEntity[]): void {
    this.rows.push(...rows);
  }

  row(id: string): OutboxEntity {
    const found = this.rows.find((r) => r.id === id);
    if (!found) throw new Error(`no outbox row ${id}`);
    return found;
  }

  unpublishedIds(): string[] {
    return this.unpublished().map((r) => r.id);
  }

  private unpublished(): OutboxEntity[] {
    return this.rows.filter((r) => r.publishedAt === null).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** The relay's batch read: unpublished rows in id order, as many as its LIMIT parameter. */
  private read(sql: string, params: unknown[]) {
    if (!/FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT \$1/.test(sql)) {
      throw new Error(`unexpected read: ${sql}`);
    }
    this.reads.push({ sql, params });
    return this.unpublished()
      .slice(0, Number(params[0]))
      .map(({ id, topic, messageKey, payload }) => ({ id, topic, messageKey, payload }));
  }

  private apply(update: OutboxUpdate): void {
    const rows = update.ids.map((id) => this.row(id));
    for (const row of rows) {
      row.attempts += 1;
      if (update.kind === 'published') row.publishedAt = new Date();
      else row.lastError = update.error;
    }
    this.updates.push(update);
  }
}

/** Reads the two UPDATEs the relay may run; anything else fails the transaction. */
function parseUpdate(sql: string, params: unknown[]): OutboxUpdate {
  const ids = [...(params[0] as string[])].sort((a, b) => Number(a) - Number(b));
  if (/^UPDATE outbox SET published_at = now\(\).* WHERE id = ANY\(\$1\)$/.test(sql)) {
    return { kind: 'published', ids };
  }
  if (/^UPDATE outbox SET attempts = attempts \+ 1, last_error = \$2 WHERE id = ANY\(\$1\)$/.test(sql)) {
    return { kind: 'failed', ids, error: String(params[1]) };
  }
  throw new Error(`unexpected statement: ${sql}`);
}

interface SentMessage {
  key: string;
  value: { tradeId: string };
}

/** One produce request: what ClientKafka.emitBatch was given. */
interface SentBatch {
  topic: string;
  messages: SentMessage[];
}

/**
 * Stands in for Nest's ClientKafka, which the relay uses through emitBatch only (one produce request per call).
 * Requests are acknowledged at once unless `holdAcks` is set, in which case each waits for `ack()` or
 * `fail(error)`, which answer the oldest request still waiting.
 */
class FakeKafka {
  /** Every request, in the order it started. */
  readonly batches: SentBatch[] = [];
  /** 'connect', 'send <ids>', 'ack <ids>', 'fail <ids>', 'close', in the order they happened. */
  readonly timeline: string[] = [];
  holdAcks = false;
  /** When set, connect() rejects with it (broker unreachable). */
  unreachable: Error | null = null;
  private readonly held: { ids: string; reply: Subject<RecordMetadata[]> }[] = [];

  readonly connect = jest.fn(async () => {
    this.timeline.push('connect');
    if (this.unreachable) throw this.unreachable;
  });

  readonly close = jest.fn(async () => {
    this.timeline.push('close');
  });

  readonly emitBatch = (topic: string, batch: { messages: SentMessage[] }) => {
    const ids = batch.messages.map((m) => m.value.tradeId).join(',');
    this.batches.push({ topic, messages: [...batch.messages] });
    this.timeline.push(`send ${ids}`);
    const acknowledged: RecordMetadata[] = [{ topicName: topic, partition: 0 }];
    if (!this.holdAcks) {
      this.timeline.push(`ack ${ids}`);
      return of(acknowledged);
    }
    const reply = new Subject<RecordMetadata[]>();
    this.held.push({ ids, reply });
    return reply.asObservable();
  };

  /** The ids of every message sent, request after request. */
  sentIds(): string[] {
    return this.batches.flatMap((b) => b.messages.map((m) => m.value.tradeId));
  }

  ack(): void {
    const { ids, reply } = this.take();
    this.timeline.push(`ack ${ids}`);
    reply.next([{ topicName: KafkaTopic.TradeSubmitted, partition: 0 }]);
    reply.complete();
  }

  fail(error: Error): void {
    const { ids, reply } = this.take();
    this.timeline.push(`fail ${ids}`);
    throwError(() => error).subscribe(reply);
  }

  /** Acknowledges every request still waiting. */
  ackAll(): void {
    while (this.held.length > 0) this.ack();
  }

  private take(): { ids: string; reply: Subject<RecordMetadata[]> } {
    const waiting = this.held.shift();
    if (!waiting) throw new Error('no request is waiting for an answer');
    return waiting;
  }
}

function row(id: string, messageKey: string, topic: string = KafkaTopic.TradeSubmitted): OutboxEntity {
  return Object.assign(new OutboxEntity(), {
    id,
    topic,
    messageKey,
    payload: { eventVersion: 1, tradeId: id },
    createdAt: new Date('2026-11-25T14:00:00Z'),
    publishedAt: null,
    attempts: 0,
    lastError: null,
  });
}

/** Lets every promise chain that can progress without a timer run to its end. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await settled();
}

/** Whether the promise has resolved once everything that can run without a timer has run. */
async function hasResolved(promise: Promise<unknown>): Promise<boolean> {
  let resolved = false;
  void promise.then(() => {
    resolved = true;
  });
  await settled();
  return resolved;
}

const now = new Date('2026-11-25T14:30:00.000Z');

describe('OutboxRelayService', () => {
  let outbox: FakeOutbox;
  let kafka: FakeKafka;
  let moduleRef: TestingModule;
  let relay: OutboxRelayService;
  let closed: boolean;

  beforeEach(async () => {
    jest.useFakeTimers({ now, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    outbox = new FakeOutbox();
    kafka = new FakeKafka();
    closed = false;
    moduleRef = await Test.createTestingModule({
      providers: [
        OutboxRelayService,
        { provide: getDataSourceToken(), useValue: outbox.dataSource },
        { provide: KAFKA_CLIENT, useValue: kafka },
      ],
    })
      .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
      .compile();
    relay = moduleRef.get(OutboxRelayService);
  });

  afterEach(async () => {
    kafka.unreachable = null;
    kafka.holdAcks = false;
    kafka.ackAll();
    if (!closed) await shutdown();
    jest.useRealTimers();
  });

  /** Application bootstrap: the relay starts its loop and drains once. */
  async function start(): Promise<void> {
    await moduleRef.init();
    await settled();
  }

  /** Application shutdown, letting the drain budget run out if it has to. */
  async function shutdown(): Promise<void> {
    const closing = beginShutdown();
    await advance(SHUTDOWN_DRAIN_MS);
    await closing;
  }

  function beginShutdown(): Promise<void> {
    closed = true;
    return moduleRef.close();
  }

  describe('a batch', () => {
    it('reads unpublished rows oldest first, 500 at a time, locked and skipping those another relay holds', async () => {
      await start();
      expect(outbox.reads).toEqual([
        {
          sql: expect.stringMatching(
            /WHERE published_at IS NULL ORDER BY id LIMIT \$1 FOR UPDATE SKIP LOCKED$/,
          ),
          params: [500],
        },
      ]);
    });

    it('connects, then sends the whole batch as one request: keyed by message key, payload as value, in id order', async () => {
      outbox.insert(
        row('1', 'alice|AAPL'),
        row('2', 'bob|MSFT'),
        row('3', 'alice|AAPL'),
        row('4', 'bob|MSFT'),
        row('5', 'alice|AAPL'),
      );
      await start();
      expect(kafka.timeline.slice(0, 2)).toEqual(['connect', 'send 1,2,3,4,5']);
      expect(kafka.batches).toEqual([
        {
          topic: KafkaTopic.TradeSubmitted,
          messages: ['1', '2', '3', '4', '5'].map((id) => ({
            key: Number(id) % 2 === 1 ? 'alice|AAPL' : 'bob|MSFT',
            value: { eventVersion: 1, tradeId: id },
          })),
        },
      ]);
    });

    it('marks the rows published only once the broker acknowledged the request', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'));
      kafka.holdAcks = true;
      await start();
      expect(kafka.sentIds()).toEqual(['1', '2']);
      expect(outbox.updates).toEqual([]);
      expect(outbox.unpublishedIds()).toEqual(['1', '2']);

      kafka.ack();
      await settled();
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2'] }]);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('marks every row that went out as published in a single UPDATE, and nothing else', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'), row('3', 'alice|AAPL'));
      await start();
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2', '3'] }]);
      expect(outbox.unpublishedIds()).toEqual([]);
      expect(outbox.row('3').lastError).toBeNull();
    });

    it('sends one request per topic when a batch holds several, each in id order', async () => {
      outbox.insert(
        row('1', 'alice|AAPL', 'topic.a'),
        row('2', 'alice|AAPL', 'topic.b'),
        row('3', 'bob|MSFT', 'topic.a'),
        row('4', 'bob|MSFT', 'topic.b'),
      );
      await start();
      expect(kafka.batches.map((b) => [b.topic, b.messages.map((m) => m.value.tradeId)])).toEqual([
        ['topic.a', ['1', '3']],
        ['topic.b', ['2', '4']],
      ]);
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2', '3', '4'] }]);
    });

    it('reads and sends nothing while another api instance holds the drain lock', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      outbox.drainLockTaken = true;
      await start();
      await advance(3000);
      expect(outbox.reads).toEqual([]);
      expect(kafka.batches).toEqual([]);
      outbox.drainLockTaken = false;
      await advance(LOCK_RETRY_MS);
      expect(kafka.sentIds()).toEqual(['1']);
    });

    it(`tries the lock again ${LOCK_RETRY_MS} ms after finding it held, not at the next 1 s poll`, async () => {
      outbox.drainLockTaken = true;
      await start();
      outbox.insert(row('1', 'alice|AAPL'));
      relay.kick();
      await advance(LOCK_RETRY_MS * 3);
      expect(kafka.batches).toEqual([]);
      // The other instance's drain ended: this relay publishes its row within one retry interval.
      outbox.drainLockTaken = false;
      await advance(LOCK_RETRY_MS);
      expect(kafka.sentIds()).toEqual(['1']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('leaves the table alone when there is nothing to publish', async () => {
      await start();
      await advance(3000);
      expect(outbox.reads).toHaveLength(4);
      expect(outbox.updates).toEqual([]);
      expect(kafka.batches).toEqual([]);
    });
  });

  describe('a failed send', () => {
    /** alice|AAPL: 1, 3; bob|MSFT: 2, 4; the request carrying all four fails. */
    async function failBatch(): Promise<void> {
      outbox.insert(
        row('1', 'alice|AAPL'),
        row('2', 'bob|MSFT'),
        row('3', 'alice|AAPL'),
        row('4', 'bob|MSFT'),
      );
      kafka.holdAcks = true;
      await start();
      kafka.fail(new Error('broker down'));
      await settled();
    }

    it('leaves every row of the request unpublished, with attempts + 1 and the error', async () => {
      await failBatch();
      expect(outbox.updates).toEqual([{ kind: 'failed', ids: ['1', '2', '3', '4'], error: 'broker down' }]);
      for (const id of ['1', '2', '3', '4']) {
        expect(outbox.row(id)).toMatchObject({ publishedAt: null, attempts: 1, lastError: 'broker down' });
      }
    });

    it('closes the client and tries again 400 ms later, with a new connection, the same rows in the same order', async () => {
      await failBatch();
      expect(kafka.close).toHaveBeenCalledTimes(1);
      expect(kafka.timeline.indexOf('close')).toBeGreaterThan(kafka.timeline.indexOf('fail 1,2,3,4'));
      kafka.holdAcks = false;

      await advance(399);
      expect(kafka.connect).toHaveBeenCalledTimes(1);
      expect(outbox.reads).toHaveLength(1);

      await advance(1);
      expect(kafka.connect).toHaveBeenCalledTimes(2);
      expect(kafka.batches.map((b) => b.messages.map((m) => m.value.tradeId))).toEqual([
        ['1', '2', '3', '4'],
        ['1', '2', '3', '4'],
      ]);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('is reported by currentStatus() as lastError, with its time', async () => {
      await failBatch();
      await expect(relay.currentStatus()).resolves.toEqual({
        backlog: 4,
        lastError: 'broker down',
        lastErrorAt: now.toISOString(),
        publishedTotal: 0,
      });
    });

    it("commits another topic's rows as published when only its own request went through", async () => {
      outbox.insert(
        row('1', 'alice|AAPL', 'topic.a'),
        row('2', 'alice|AAPL', 'topic.b'),
        row('3', 'bob|MSFT', 'topic.a'),
      );
      kafka.holdAcks = true;
      await start();
      kafka.fail(new Error('broker down'));
      kafka.ack();
      await settled();
      expect(kafka.timeline).toContain('fail 1,3');
      expect(kafka.timeline).toContain('ack 2');
      expect(outbox.updates).toEqual([
        { kind: 'published', ids: ['2'] },
        { kind: 'failed', ids: ['1', '3'], error: 'broker down' },
      ]);
      expect(outbox.unpublishedIds()).toEqual(['1', '3']);
      expect(relay.snapshot()).toMatchObject({ lastError: 'broker down', publishedTotal: 1 });
    });
  });

  describe('back-off', () => {
    it('waits 400 ms after the first failure, doubling each time up to 10 s', async () => {
      kafka.unreachable = new Error('connect ECONNREFUSED');
      await start();
      const waits = [400, 800, 1600, 3200, 6400, 10_000, 10_000];
      for (const [attempt, wait] of waits.entries()) {
        await advance(wait - 1);
        expect(kafka.connect).toHaveBeenCalledTimes(attempt + 1);
        await advance(1);
        expect(kafka.connect).toHaveBeenCalledTimes(attempt + 2);
      }
      expect(kafka.close).toHaveBeenCalledTimes(waits.length + 1);
      expect(outbox.reads).toEqual([]);
    });

    it('starts again from 400 ms once an attempt succeeded in between', async () => {
      kafka.unreachable = new Error('connect ECONNREFUSED');
      await start();
      await advance(400);
      await advance(800);
      expect(kafka.connect).toHaveBeenCalledTimes(3);

      kafka.unreachable = null;
      await advance(1600);
      expect(kafka.connect).toHaveBeenCalledTimes(4);

      // Healthy again: it polls after 1 s, and the next failure waits 400 ms, not 3.2 s.
      kafka.unreachable = new Error('connect ECONNREFUSED');
      await advance(1000);
      expect(kafka.connect).toHaveBeenCalledTimes(5);
      await advance(400);
      expect(kafka.connect).toHaveBeenCalledTimes(6);
    });
  });

  describe('polling and kick()', () => {
    it('polls an idle outbox once a second', async () => {
      await start();
      expect(outbox.reads).toHaveLength(1);
      await advance(999);
      expect(outbox.reads).toHaveLength(1);
      await advance(1);
      expect(outbox.reads).toHaveLength(2);
    });

    it(`kick() wakes an idle relay ${KICK_DEBOUNCE_MS} ms later, without waiting for the next poll`, async () => {
      await start();
      outbox.insert(row('1', 'alice|AAPL'));
      await advance(500);
      expect(kafka.batches).toEqual([]);

      relay.kick();
      await settled();
      expect(kafka.batches).toEqual([]);
      await advance(KICK_DEBOUNCE_MS);
      expect(kafka.sentIds()).toEqual(['1']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('serves a burst of kicks with one read and one request', async () => {
      await start();
      outbox.insert(row('1', 'alice|AAPL'));
      relay.kick();
      await advance(KICK_DEBOUNCE_MS - 1);
      outbox.insert(row('2', 'bob|MSFT'));
      relay.kick();
      outbox.insert(row('3', 'alice|AAPL'));
      relay.kick();
      await advance(1);
      expect(outbox.reads).toHaveLength(2);
      expect(kafka.batches.map((b) => b.messages.map((m) => m.value.tradeId))).toEqual([['1', '2', '3']]);
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2', '3'] }]);
    });

    it('drains again as soon as the batch in hand is done when kick() came during it', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.holdAcks = true;
      await start();
      outbox.insert(row('2', 'bob|MSFT'));
      relay.kick();
      kafka.holdAcks = false;
      kafka.ack();
      await settled();
      expect(kafka.batches.map((b) => b.messages.map((m) => m.value.tradeId))).toEqual([['1'], ['2']]);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('goes back to polling once a second after a kick was served', async () => {
      await start();
      relay.kick();
      await advance(KICK_DEBOUNCE_MS);
      expect(outbox.reads).toHaveLength(2);
      await advance(999);
      expect(outbox.reads).toHaveLength(2);
      await advance(1);
      expect(outbox.reads).toHaveLength(3);
    });

    it('does not cut a back-off short on kick()', async () => {
      kafka.unreachable = new Error('connect ECONNREFUSED');
      await start();
      relay.kick();
      await advance(399);
      expect(kafka.connect).toHaveBeenCalledTimes(1);
      await advance(1);
      expect(kafka.connect).toHaveBeenCalledTimes(2);
    });

    it('reads the next batch at once after a full one', async () => {
      outbox.insert(...Array.from({ length: 501 }, (_, i) => row(String(i + 1), `acct${i % 7}|AAPL`)));
      await start();
      expect(outbox.reads).toHaveLength(2);
      expect(kafka.batches.map((b) => b.messages.length)).toEqual([500, 1]);
      expect(kafka.sentIds()).toEqual(Array.from({ length: 501 }, (_, i) => String(i + 1)));
      expect(outbox.updates.map((u) => u.ids.length)).toEqual([500, 1]);
      expect(outbox.unpublishedIds()).toEqual([]);
    });
  });

  describe('shutdown', () => {
    it('stops the loop and closes the client, without waiting for the next poll', async () => {
      await start();
      const closing = beginShutdown();
      expect(await hasResolved(closing)).toBe(true);
      expect(kafka.close).toHaveBeenCalledTimes(1);

      const reads = outbox.reads.length;
      await advance(10_000);
      expect(outbox.reads).toHaveLength(reads);
      expect(kafka.connect).toHaveBeenCalledTimes(reads);
    });

    it('publishes rows committed since the last poll before closing the client', async () => {
      await start();
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'));
      await beginShutdown();
      expect(outbox.unpublishedIds()).toEqual([]);
      expect(kafka.timeline.slice(-1)).toEqual(['close']);
      expect(kafka.timeline.indexOf('close')).toBeGreaterThan(kafka.timeline.indexOf('ack 1,2'));
    });

    it('publishes batch after batch until the outbox is empty', async () => {
      await start();
      outbox.insert(...Array.from({ length: 1100 }, (_, i) => row(String(i + 1), `acct${i % 7}|AAPL`)));
      await beginShutdown();
      expect(outbox.updates.map((u) => u.ids.length)).toEqual([500, 500, 100]);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('lets the batch in hand finish before closing the client', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.holdAcks = true;
      await start();
      const closing = beginShutdown();
      expect(await hasResolved(closing)).toBe(false);
      expect(kafka.close).not.toHaveBeenCalled();

      kafka.ack();
      expect(await hasResolved(closing)).toBe(true);
      expect(outbox.unpublishedIds()).toEqual([]);
      expect(kafka.timeline.slice(-1)).toEqual(['close']);
    });

    it('gives up after 5 s when Kafka does not answer, and still closes the client', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.holdAcks = true;
      await start();
      const closing = beginShutdown();
      await advance(4999);
      expect(await hasResolved(closing)).toBe(false);
      await advance(1);
      expect(await hasResolved(closing)).toBe(true);
      expect(kafka.close).toHaveBeenCalledTimes(1);
      expect(outbox.unpublishedIds()).toEqual(['1']);
    });

    it('does not wait out a back-off, and publishes what is left once Kafka answers', async () => {
      kafka.unreachable = new Error('connect ECONNREFUSED');
      outbox.insert(row('1', 'alice|AAPL'));
      await start();
      await advance(400);
      kafka.unreachable = null;
      // Now in an 800 ms back-off.
      const closing = beginShutdown();
      expect(await hasResolved(closing)).toBe(true);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('does not start a back-off when the batch in hand fails during shutdown', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.holdAcks = true;
      await start();
      const closing = beginShutdown();
      await settled();
      kafka.holdAcks = false;
      kafka.fail(new Error('broker down'));
      expect(await hasResolved(closing)).toBe(true);
      // The final drain sent row 1 again, and it went out.
      expect(kafka.sentIds()).toEqual(['1', '1']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('still closes the client when the final drain fails', async () => {
      await start();
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.unreachable = new Error('connect ECONNREFUSED');
      const closing = beginShutdown();
      expect(await hasResolved(closing)).toBe(true);
      expect(kafka.timeline.slice(-1)).toEqual(['close']);
      expect(outbox.unpublishedIds()).toEqual(['1']);
    });
  });

  describe('status', () => {
    it('currentStatus() reports the backlog the database counts, and no error', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'), row('3', 'alice|AAPL'));
      await expect(relay.currentStatus()).resolves.toEqual({
        backlog: 3,
        lastError: null,
        lastErrorAt: null,
        publishedTotal: 0,
      });
      expect(outbox.backlogQueries).toBe(1);
    });

    it('counts what it published across batches', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'));
      await start();
      outbox.insert(row('3', 'alice|AAPL'));
      relay.kick();
      await advance(KICK_DEBOUNCE_MS);
      await expect(relay.currentStatus()).resolves.toMatchObject({ backlog: 0, publishedTotal: 3 });
    });

    it('snapshot() reports the counters and the last error without asking the database', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      await start();
      kafka.unreachable = new Error('connect ECONNREFUSED');
      // The attempt runs once the kick's debounce has passed.
      jest.setSystemTime(new Date(Date.parse('2026-11-25T14:31:00.000Z') - KICK_DEBOUNCE_MS));
      relay.kick();
      await advance(KICK_DEBOUNCE_MS);
      expect(relay.snapshot()).toEqual({
        lastError: 'connect ECONNREFUSED',
        lastErrorAt: '2026-11-25T14:31:00.000Z',
        publishedTotal: 1,
      });
      expect(outbox.backlogQueries).toBe(0);
    });
  });
  describe("through Nest's ClientKafka", () => {
    /** What kafkajs' producer.send was given, per call. */
    let produced: { topic: string; acks?: number; messages: { key: string; value: string }[] }[];

    beforeEach(async () => {
      await shutdown();
      produced = [];
      const options = relayKafkaOptions(new KafkaSettings(['127.0.0.1:9'], 6)).options;
      if (!options) throw new Error('the relay has no Kafka options');
      const producer = {
        events: { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' },
        on: () => undefined,
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async (record: (typeof produced)[number]) => {
          produced.push(record);
          return [{ topicName: record.topic, partition: 0, errorCode: 0 }];
        },
      };
      // The real client with its real serializer; only kafkajs underneath is a stand-in.
      const client = Object.assign(new ClientKafka(options), {
        createClient: () => ({ producer: () => producer }),
      });
      moduleRef = await Test.createTestingModule({
        providers: [
          OutboxRelayService,
          { provide: getDataSourceToken(), useValue: outbox.dataSource },
          { provide: KAFKA_CLIENT, useValue: client },
        ],
      })
        .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
        .compile();
      closed = false;
    });

    it('publishes a batch of N rows as one producer.send of N messages in id order, acks=all', async () => {
      const keys = ['alice|AAPL', 'bob|MSFT', 'alice|AAPL', 'carol|TSLA', 'bob|MSFT', 'alice|AAPL'];
      outbox.insert(...keys.map((key, i) => row(String(i + 1), key)));
      await start();
      expect(produced).toHaveLength(1);
      expect(produced[0]).toMatchObject({ topic: KafkaTopic.TradeSubmitted, acks: -1 });
      expect(produced[0]?.messages.map((m) => [m.key, JSON.parse(m.value)])).toEqual(
        keys.map((key, i) => [key, { eventVersion: 1, tradeId: String(i + 1) }]),
      );
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2', '3', '4', '5', '6'] }]);
    });
  });
});
