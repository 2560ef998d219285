import { KafkaTopic } from '@lotwise/contracts';
import { OutboxEntity } from '@lotwise/server-data';
import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { of, Subject, throwError } from 'rxjs';
import { KAFKA_CLIENT, OutboxRelayService, SHUTDOWN_DRAIN_MS } from './outbox-relay.service';

/** An UPDATE of the outbox as the fake table understood it, with its ids in numeric order. */
type OutboxUpdate = { kind: 'published'; ids: string[] } | { kind: 'failed'; ids: string[]; error: string };

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
  /** The query-builder calls of every batch read, one list per read. */
  readonly reads: string[][] = [];
  backlogQueries = 0;
  /** Another api instance holds the drain lock. */
  drainLockTaken = false;

  readonly dataSource = {
    transaction: async <T>(work: (manager: unknown) => Promise<T>): Promise<T> => {
      const staged: OutboxUpdate[] = [];
      const manager = {
        getRepository: (entity: unknown) => {
          if (entity !== OutboxEntity) throw new Error('the relay reads the outbox only');
          return { createQueryBuilder: (alias: string) => this.queryBuilder(alias) };
        },
        query: async (sql: string, params: unknown[]) => {
          if (sql.includes('pg_try_advisory_xact_lock')) return [{ drainer: !this.drainLockTaken }];
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

  private queryBuilder(alias: string) {
    const calls = [`createQueryBuilder(${alias})`];
    this.reads.push(calls);
    let limit = Infinity;
    const builder = {
      where: (condition: string) => record(`where(${condition})`),
      orderBy: (column: string) => record(`orderBy(${column})`),
      limit: (n: number) => {
        limit = n;
        return record(`limit(${n})`);
      },
      setLock: (mode: string) => record(`setLock(${mode})`),
      setOnLocked: (mode: string) => record(`setOnLocked(${mode})`),
      getMany: async () => this.unpublished().slice(0, limit),
    };
    function record(call: string) {
      calls.push(call);
      return builder;
    }
    return builder;
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
  topic: string;
  key: string;
  value: { tradeId: string };
}

/**
 * Stands in for Nest's ClientKafka. Sends are acknowledged at once unless `holdAcks` is set, in which case
 * each waits for `ack(id)` or `fail(id, error)` (id being the outbox row's, carried in the payload).
 */
class FakeKafka {
  /** Every send, in the order it started. */
  readonly sent: SentMessage[] = [];
  /** 'connect', 'send <id>', 'ack <id>', 'close', in the order they happened. */
  readonly timeline: string[] = [];
  holdAcks = false;
  /** When set, connect() rejects with it (broker unreachable). */
  unreachable: Error | null = null;
  private readonly held = new Map<string, Subject<RecordMetadata[]>>();

  readonly connect = jest.fn(async () => {
    this.timeline.push('connect');
    if (this.unreachable) throw this.unreachable;
  });

  readonly close = jest.fn(async () => {
    this.timeline.push('close');
  });

  readonly emit = (topic: string, message: { key: string; value: { tradeId: string } }) => {
    const id = message.value.tradeId;
    this.sent.push({ topic, key: message.key, value: message.value });
    this.timeline.push(`send ${id}`);
    const acknowledged: RecordMetadata[] = [{ topicName: topic, partition: 0 }];
    if (!this.holdAcks) {
      this.timeline.push(`ack ${id}`);
      return of(acknowledged);
    }
    const reply = new Subject<RecordMetadata[]>();
    this.held.set(id, reply);
    return reply.asObservable();
  };

  sentIds(): string[] {
    return this.sent.map((m) => m.value.tradeId);
  }

  ack(id: string): void {
    const reply = this.take(id);
    this.timeline.push(`ack ${id}`);
    reply.next([{ topicName: KafkaTopic.TradeSubmitted, partition: 0 }]);
    reply.complete();
  }

  fail(id: string, error: Error): void {
    const reply = this.take(id);
    this.timeline.push(`fail ${id}`);
    throwError(() => error).subscribe(reply);
  }

  /** Acknowledges every send still waiting. */
  ackAll(): void {
    for (const id of [...this.held.keys()]) this.ack(id);
  }

  private take(id: string): Subject<RecordMetadata[]> {
    const reply = this.held.get(id);
    if (!reply) throw new Error(`send ${id} is not waiting for an answer`);
    this.held.delete(id);
    return reply;
  }
}

function row(id: string, messageKey: string): OutboxEntity {
  return Object.assign(new OutboxEntity(), {
    id,
    topic: KafkaTopic.TradeSubmitted,
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
      expect(outbox.reads[0]).toEqual([
        'createQueryBuilder(o)',
        'where(o.published_at IS NULL)',
        'orderBy(o.id)',
        'limit(500)',
        'setLock(pessimistic_write)',
        'setOnLocked(skip_locked)',
      ]);
    });

    it('connects, then sends each row to its topic, keyed by its message key, with its payload as value', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'));
      await start();
      expect(kafka.timeline[0]).toBe('connect');
      expect(kafka.sent).toEqual([
        { topic: KafkaTopic.TradeSubmitted, key: 'alice|AAPL', value: { eventVersion: 1, tradeId: '1' } },
        { topic: KafkaTopic.TradeSubmitted, key: 'bob|MSFT', value: { eventVersion: 1, tradeId: '2' } },
      ]);
    });

    it("sends one key's rows in id order, each after the previous was acknowledged, other keys concurrently", async () => {
      outbox.insert(
        row('1', 'alice|AAPL'),
        row('2', 'bob|MSFT'),
        row('3', 'alice|AAPL'),
        row('4', 'bob|MSFT'),
        row('5', 'alice|AAPL'),
      );
      kafka.holdAcks = true;
      await start();
      // Each key's first row is out at once; neither key's second row is.
      expect(kafka.sentIds()).toEqual(['1', '2']);

      kafka.ack('2');
      await settled();
      // bob goes on while alice's first row is still unacknowledged.
      expect(kafka.sentIds()).toEqual(['1', '2', '4']);

      kafka.ack('1');
      await settled();
      expect(kafka.sentIds()).toEqual(['1', '2', '4', '3']);

      kafka.ack('3');
      kafka.ack('4');
      await settled();
      expect(kafka.sentIds()).toEqual(['1', '2', '4', '3', '5']);
      expect(kafka.timeline.indexOf('send 3')).toBeGreaterThan(kafka.timeline.indexOf('ack 1'));
      expect(kafka.timeline.indexOf('send 5')).toBeGreaterThan(kafka.timeline.indexOf('ack 3'));
    });

    it('marks every row that went out as published in a single UPDATE, and nothing else', async () => {
      outbox.insert(row('1', 'alice|AAPL'), row('2', 'bob|MSFT'), row('3', 'alice|AAPL'));
      await start();
      expect(outbox.updates).toEqual([{ kind: 'published', ids: ['1', '2', '3'] }]);
      expect(outbox.unpublishedIds()).toEqual([]);
      expect(outbox.row('3').lastError).toBeNull();
    });

    it('reads and sends nothing while another api instance holds the drain lock', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      outbox.drainLockTaken = true;
      await start();
      await advance(3000);
      expect(outbox.reads).toEqual([]);
      expect(kafka.sent).toEqual([]);
      outbox.drainLockTaken = false;
      await advance(1000);
      expect(kafka.sent.map((m) => m.key)).toEqual(['alice|AAPL']);
    });

    it('leaves the table alone when there is nothing to publish', async () => {
      await start();
      await advance(3000);
      expect(outbox.reads).toHaveLength(4);
      expect(outbox.updates).toEqual([]);
      expect(kafka.sent).toEqual([]);
    });
  });

  describe('a failed send', () => {
    /** alice|AAPL: 1, 3; bob|MSFT: 2, 4. Row 1 fails while row 2 is acknowledged. */
    async function failRowOne(): Promise<void> {
      outbox.insert(
        row('1', 'alice|AAPL'),
        row('2', 'bob|MSFT'),
        row('3', 'alice|AAPL'),
        row('4', 'bob|MSFT'),
      );
      kafka.holdAcks = true;
      await start();
      kafka.fail('1', new Error('broker down'));
      await settled();
      kafka.ack('2');
      await settled();
    }

    it('sends nothing more of the batch, in any key, once a send failed', async () => {
      await failRowOne();
      expect(kafka.sentIds()).toEqual(['1', '2']);
    });

    it('commits what went out as published, and the rest with attempts + 1 and the error', async () => {
      await failRowOne();
      expect(outbox.updates).toHaveLength(2);
      expect(outbox.updates).toEqual(
        expect.arrayContaining([
          { kind: 'published', ids: ['2'] },
          { kind: 'failed', ids: ['1', '3', '4'], error: 'broker down' },
        ]),
      );
      expect(outbox.row('2').publishedAt).not.toBeNull();
      for (const id of ['1', '3', '4']) {
        expect(outbox.row(id)).toMatchObject({ publishedAt: null, attempts: 1, lastError: 'broker down' });
      }
    });

    it('closes the client and tries again 400 ms later, with a new connection', async () => {
      await failRowOne();
      expect(kafka.close).toHaveBeenCalledTimes(1);
      expect(kafka.timeline.indexOf('close')).toBeGreaterThan(kafka.timeline.indexOf('fail 1'));
      kafka.holdAcks = false;

      await advance(399);
      expect(kafka.connect).toHaveBeenCalledTimes(1);
      expect(outbox.reads).toHaveLength(1);

      await advance(1);
      expect(kafka.connect).toHaveBeenCalledTimes(2);
      // Row 1 first again, so alice's order holds: 1 before 3.
      expect(kafka.sentIds()).toEqual(['1', '2', '1', '4', '3']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('is reported by currentStatus() as lastError, with its time and what was published before it', async () => {
      await failRowOne();
      await expect(relay.currentStatus()).resolves.toEqual({
        backlog: 3,
        lastError: 'broker down',
        lastErrorAt: now.toISOString(),
        publishedTotal: 1,
      });
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

    it('kick() wakes an idle relay at once, without waiting for the next poll', async () => {
      await start();
      outbox.insert(row('1', 'alice|AAPL'));
      await advance(500);
      expect(kafka.sent).toEqual([]);

      relay.kick();
      await settled();
      expect(kafka.sentIds()).toEqual(['1']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('drains again as soon as the batch in hand is done when kick() came during it', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      kafka.holdAcks = true;
      await start();
      outbox.insert(row('2', 'bob|MSFT'));
      relay.kick();
      kafka.holdAcks = false;
      kafka.ack('1');
      await settled();
      expect(kafka.sentIds()).toEqual(['1', '2']);
      expect(outbox.unpublishedIds()).toEqual([]);
    });

    it('goes back to polling once a second after a kick was served', async () => {
      await start();
      relay.kick();
      await settled();
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
      expect(kafka.sent).toHaveLength(501);
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
      expect(kafka.timeline.indexOf('close')).toBeGreaterThan(kafka.timeline.indexOf('ack 2'));
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

      kafka.ack('1');
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
      kafka.fail('1', new Error('broker down'));
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
      await settled();
      await expect(relay.currentStatus()).resolves.toMatchObject({ backlog: 0, publishedTotal: 3 });
    });

    it('snapshot() reports the counters and the last error without asking the database', async () => {
      outbox.insert(row('1', 'alice|AAPL'));
      await start();
      kafka.unreachable = new Error('connect ECONNREFUSED');
      jest.setSystemTime(new Date('2026-11-25T14:31:00.000Z'));
      relay.kick();
      await settled();
      expect(relay.snapshot()).toEqual({
        lastError: 'connect ECONNREFUSED',
        lastErrorAt: '2026-11-25T14:31:00.000Z',
        publishedTotal: 1,
      });
      expect(outbox.backlogQueries).toBe(0);
    });
  });
});
