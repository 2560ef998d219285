import { KafkaTopic, MATCHER_CONSUMER_GROUP } from '@lotwise/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, waitUntil } from './stack';

export const kafka = new Kafka({
  clientId: 'lotwise-e2e',
  brokers: kafkaBrokers.split(','),
  logLevel: logLevel.NOTHING,
});

/** Waits until the matcher group has committed everything on the topic: nothing left to (re)process. */
export async function matcherCaughtUp(timeoutMs = 60_000, groupId = MATCHER_CONSUMER_GROUP): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitUntil('the matcher group to commit every message', timeoutMs, async () => {
      const ends = await admin.fetchTopicOffsets(KafkaTopic.TradeSubmitted);
      const [committed] = await admin.fetchOffsets({
        groupId,
        topics: [KafkaTopic.TradeSubmitted],
      });
      return ends.every((end) => {
        const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return BigInt(end.high) === 0n || BigInt(done) >= BigInt(end.high);
      });
    });
  } finally {
    await admin.disconnect();
  }
}

export async function produceRaw(topic: string, key: string, value: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads the dead-letter topic from the beginning with a throwaway group. */
export async function deadLetters(waitMs = 3000): Promise<Array<{ error: string; rawValue: string | null }>> {
  const consumer = kafka.consumer({ groupId: `e2e-dlq-${Date.now()}-${Math.random()}` });
  const found: Array<{ error: string; rawValue: string | null }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: KafkaTopic.TradeDeadLetter, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      found.push(JSON.parse(message.value?.toString() ?? '{}'));
    },
  });
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  await consumer.disconnect();
  return found;
}
