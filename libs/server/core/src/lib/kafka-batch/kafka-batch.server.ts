import { KafkaContext, ServerKafka } from '@nestjs/microservices';
import type {
  Consumer,
  EachBatchPayload,
  KafkaMessage,
  Producer,
} from '@nestjs/microservices/external/kafka.interface';

/**
 * The context of a whole fetched batch: one partition's messages in offset order. It is a KafkaContext whose
 * message is the batch's first, so code written for one message (logging, getConsumer, getProducer) still works.
 * Nothing is committed or resolved for the handler: it decides how far the batch got.
 */
export class KafkaBatchContext extends KafkaContext {
  constructor(
    private readonly payload: EachBatchPayload,
    private readonly messages: KafkaMessage[],
    consumer: Consumer,
    producer: Producer,
  ) {
    const first = messages[0];
    if (!first) throw new Error('a Kafka batch context needs at least one message');
    super([first, payload.batch.partition, payload.batch.topic, consumer, payload.heartbeat, producer]);
  }

  /** The batch's messages in offset order, parsed as Nest parses a single message (value, key, headers). */
  getMessages(): readonly KafkaMessage[] {
    return this.messages;
  }

  /** Marks the batch processed up to and including `offset`; the next fetch starts after the last one marked. */
  resolveOffset(offset: string): void {
    this.payload.resolveOffset(offset);
  }

  /** False once the consumer is stopping. */
  isRunning(): boolean {
    return this.payload.isRunning();
  }

  /** True when the partition was sought or reassigned meanwhile: the rest of the batch must not be processed. */
  isStale(): boolean {
    return this.payload.isStale();
  }
}

/**
 * Nest's Kafka transport, fed one fetched batch at a time instead of one message at a time. An @EventPattern
 * handler receives the batch's payloads (an array, offset order) and a KafkaBatchContext. Offsets are never
 * resolved automatically: what the handler does not resolve is fetched again, so an unfinished batch is
 * redelivered rather than skipped. Work per batch (one transaction, one produce, one offset commit) is what
 * makes a matcher fast; per message it pays those round trips for every trade.
 */
export class KafkaBatchServer extends ServerKafka {
  override async bindEvents(consumer: Consumer): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    if (topics.length > 0) await consumer.subscribe({ ...(this.options.subscribe ?? {}), topics });
    await consumer.run({
      ...(this.options.run ?? {}),
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const { parser, consumer, producer } = this;
    if (payload.batch.messages.length === 0 || !parser || !consumer || !producer) return;
    const messages = payload.batch.messages.map((message) =>
      parser.parse<KafkaMessage>(Object.assign(message, { topic, partition })),
    );
    const data: unknown[] = [];
    for (const message of messages) {
      const packet = await this.deserializer.deserialize(message, { channel: topic });
      data.push(packet.data);
    }
    const context = new KafkaBatchContext(payload, messages, consumer, producer);
    await this.handleEvent(topic, { pattern: topic, data }, context);
  }
}
