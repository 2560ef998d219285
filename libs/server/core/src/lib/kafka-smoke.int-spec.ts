import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { createKafka, kafkaSettingsFromEnv } from './kafka-settings';

// Smoke test of the real broker that `npm test` starts: idempotent produce, group consume, manual commit.
describe('Kafka broker (real)', () => {
  const kafka = createKafka(kafkaSettingsFromEnv(), 'lotwise-smoke-test');
  const topic = `test.smoke.${randomUUID()}`;
  const groupId = `smoke-${randomUUID()}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId });
    await consumer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('delivers a keyed message to a consumer group, which commits offset + 1', async () => {
    const key = 'default|AAPL';
    const [ack] = await producer.send({ topic, acks: -1, messages: [{ key, value: '{"hello":"kafka"}' }] });
    expect(ack.errorCode).toBe(0);

    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<{ key: string; value: string; partition: number; offset: string }>(
      (resolve) => {
        void consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            await consumer.commitOffsets([
              { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
            ]);
            resolve({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              partition,
              offset: message.offset,
            });
          },
        });
      },
    );
    const message = await received;

    expect(message).toMatchObject({ key, value: '{"hello":"kafka"}', partition: ack.partition });
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const partitionOffset = committed.partitions.find((p) => p.partition === message.partition);
    expect(partitionOffset?.offset).toBe((BigInt(message.offset) + 1n).toString());
  });

  it('keeps one key on one partition', async () => {
    const key = 'acct-7|MSFT';
    const acks = await Promise.all(
      [1, 2, 3].map((n) => producer.send({ topic, acks: -1, messages: [{ key, value: String(n) }] })),
    );
    expect(new Set(acks.map(([ack]) => ack.partition)).size).toBe(1);
  });
});
