import { KafkaSettings, kafkaClientConfig, kafkaProducerConfig } from '@lotwise/server-core';
import { Module } from '@nestjs/common';
import { ClientsModule, KafkaOptions, Transport } from '@nestjs/microservices';
import { KAFKA_CLIENT, OutboxRelayService } from './outbox-relay.service';

/** The relay's ClientKafka: a producer only, idempotent, every send acknowledged by all in-sync replicas. */
export function relayKafkaOptions(kafka: KafkaSettings): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: kafkaClientConfig(kafka, 'lotwise-api'),
      producerOnlyMode: true,
      // Idempotent: a retried produce cannot duplicate or reorder a key's messages.
      producer: kafkaProducerConfig({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      }),
      send: { acks: -1 },
    },
  };
}

@Module({
  imports: [
    ClientsModule.registerAsync([
      { name: KAFKA_CLIENT, inject: [KafkaSettings], useFactory: relayKafkaOptions },
    ]),
  ],
  providers: [OutboxRelayService],
  exports: [OutboxRelayService],
})
export class OutboxModule {}
