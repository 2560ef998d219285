import { KafkaTopic, KAFKA_TOPIC_PARTITIONS, TradeSubmittedEvent, tradeMessageKey } from '@lotwise/contracts';
import { sleep } from '@lotwise/testing';
import { Admin, Kafka, logLevel, Message } from 'kafkajs';
import { log } from './stats';

/** Scratch topic of the per-message Kafka baseline, so the app topics only ever carry real events. */
export const SCRATCH_TOPIC = 'bench.scratch.v1';

export function createKafka(port: number, clientId = 'lotwise-bench'): Kafka {
  return new Kafka({
    clientId,
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 10 },
  });
}

/** Deletes (if present) and creates the app topics with the product's partition count: a fresh, empty log. */
export async function recreateTopics(admin: Admin, topics: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length > 0) {
    await admin.deleteTopics({ topics: present, timeout: 30_000 });
    for (let i = 0; i < 150; i++) {
      const now = new Set(await admin.listTopics());
      if (present.every((t) => !now.has(t))) break;
      await sleep(200);
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({
          topic,
          numPartitions: KAFKA_TOPIC_PARTITIONS,
          replicationFactor: 1,
        })),
      });
      break;
    } catch (error) {
      // A topic still being deleted answers "already exists" / "marked for deletion" for a moment.
      if (attempt >= 50) throw error;
      await sleep(300);
    }
  }
  for (let i = 0; i < 100; i++) {
    const metadata = await admin.fetchTopicMetadata({ topics });
    if (
      metadata.topics.every(
        (t) => t.partitions.length === KAFKA_TOPIC_PARTITIONS && t.partitions.every((p) => p.leader >= 0),
      )
    )
      return;
    await sleep(200);
  }
  throw new Error(`topics ${topics.join(', ')} did not get leaders`);
}

export const APP_TOPICS = [KafkaTopic.TradeSubmitted, KafkaTopic.TradeSettled, KafkaTopic.TradeDeadLetter];

export function submittedMessage(event: TradeSubmittedEvent): Message {
  return { key: tradeMessageKey(event.account, event.symbol), value: JSON.stringify(event) };
}

/**
 * Produces in batches of 2,000, one batch at a time, with an idempotent producer and acks=all: a key's
 * messages land in the order given and exactly once. Returns messages/s.
 */
export async function produceAll(kafka: Kafka, topic: string, messages: Message[]): Promise<number> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const started = performance.now();
    for (let from = 0; from < messages.length; from += 2000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(from, from + 2000) });
    }
    return messages.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.disconnect();
  }
}

/** High watermark per partition. */
export async function topicEnds(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/** How far the group has committed, against the high watermarks taken after the topic was filled. */
export async function groupProgress(
  admin: Admin,
  groupId: string,
  topic: string,
  ends: Map<number, bigint>,
): Promise<{ committed: number; total: number; done: boolean }> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let committed = 0n;
  let total = 0n;
  let done = true;
  for (const [partition, high] of ends) {
    const raw = offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    const offset = BigInt(raw) < 0n ? 0n : BigInt(raw);
    committed += offset < high ? offset : high;
    total += high;
    if (offset < high) done = false;
  }
  return { committed: Number(committed), total: Number(total), done };
}

export interface ConsumeRate {
  messages: number;
  /** From the first message delivered to the last (excludes joining the group). */
  perSecond: number;
  seconds: number;
}

/**
 * Baseline: a bare kafkajs consumer group reading `expected` messages of the topic from the beginning,
 * doing nothing with them (eachBatch, no commits while reading).
 */
export async function rawConsumeRate(kafka: Kafka, topic: string, expected: number): Promise<ConsumeRate> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  let seen = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        for (const message of batch.messages) if (message.value) seen++;
        last = performance.now();
        if (seen >= expected) done();
      },
    });
    await Promise.race([finished, sleep(120_000)]);
  } finally {
    await consumer.disconnect();
  }
  const seconds = (last - first) / 1000;
  return { messages: seen, seconds, perSecond: seconds > 0 ? seen / seconds : NaN };
}

/**
 * Baseline: the matcher's Kafka work alone, without the database. kafkajs eachMessage over every partition at
 * once (KAFKA_TOPIC_PARTITIONS, as the matcher's partitionsConsumedConcurrently), and per message a JSON parse, one acks=all produce and one
 * offset commit, awaited in that order, as the matcher's handler does.
 */
export async function perMessageCeiling(
  kafka: Kafka,
  topic: string,
  count: number,
  maxSeconds: number,
): Promise<ConsumeRate> {
  const consumer = kafka.consumer({ groupId: `bench-permsg-${Date.now()}`, allowAutoTopicCreation: false });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([consumer.connect(), producer.connect()]);
  let seen = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS,
      eachMessage: async ({ topic: from, partition, message }) => {
        if (seen >= count || (first > 0 && last - first > maxSeconds * 1000)) return;
        if (first === 0) first = performance.now();
        const event = JSON.parse(message.value?.toString() ?? '{}') as { tradeId?: string };
        await producer.send({
          topic: SCRATCH_TOPIC,
          acks: -1,
          messages: [
            { key: message.key, value: JSON.stringify({ tradeId: event.tradeId, status: 'APPLIED' }) },
          ],
        });
        await consumer.commitOffsets([
          { topic: from, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
        seen++;
        last = performance.now();
        if (seen >= count || last - first > maxSeconds * 1000) done();
      },
    });
    await Promise.race([finished, sleep(maxSeconds * 1000 + 60_000)]);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  const seconds = (last - first) / 1000;
  return { messages: seen, seconds, perSecond: seconds > 0 ? seen / seconds : NaN };
}

export async function waitForKafka(kafka: Kafka): Promise<void> {
  const producer = kafka.producer();
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.connect();
      await producer.send({ topic: SCRATCH_TOPIC, acks: -1, messages: [{ key: 'probe', value: 'probe' }] });
      await producer.disconnect();
      return;
    } catch (error) {
      if (attempt >= 60) throw error;
      if (attempt === 1) log('waiting for Kafka to accept a produce…');
      await sleep(500);
    }
  }
}

export interface SingleOpLatencies {
  produceMs: number;
  commitMs: number;
}

/**
 * Round trips the matcher pays per trade on Kafka, one at a time: a one-message produce with acks=all, and
 * an offset commit (the broker's group coordinator holds commits for group.coordinator.append.linger.ms).
 */
export async function singleOpLatencies(kafka: Kafka, samples = 200): Promise<SingleOpLatencies> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const produce: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      await producer.send({
        topic: SCRATCH_TOPIC,
        acks: -1,
        messages: [{ key: `k${i % 6}`, value: 'x'.repeat(200) }],
      });
      produce.push(performance.now() - started);
    }
  } finally {
    await producer.disconnect();
  }
  const consumer = kafka.consumer({ groupId: `bench-commit-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  const commit: number[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.subscribe({ topic: SCRATCH_TOPIC, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (commit.length >= samples) return;
        const started = performance.now();
        await consumer.commitOffsets([
          { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
        commit.push(performance.now() - started);
        if (commit.length >= samples) done();
      },
    });
    await Promise.race([finished, sleep(60_000)]);
  } finally {
    await consumer.disconnect();
  }
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  return { produceMs: median(produce), commitMs: median(commit) };
}

/** CreateTime (ms since the epoch) of every message on the topic, by the tradeId in its JSON value. */
export async function readTimestamps(
  kafka: Kafka,
  topic: string,
  ends: Map<number, bigint>,
): Promise<Map<string, number>> {
  const expected = Number([...ends.values()].reduce((a, b) => a + b, 0n));
  const stamps = new Map<string, number>();
  if (expected === 0) return stamps;
  const consumer = kafka.consumer({ groupId: `bench-stamps-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          seen++;
          const value = message.value?.toString() ?? '';
          const id = /"tradeId":"(\d+)"/.exec(value)?.[1];
          if (id) stamps.set(id, Number(message.timestamp));
        }
        if (seen >= expected) done();
      },
    });
    await Promise.race([finished, sleep(60_000)]);
  } finally {
    await consumer.disconnect();
  }
  return stamps;
}
