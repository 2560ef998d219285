import { kafkaClientConfig, kafkaSettingsFromEnv } from '@lotwise/server-core';
import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { KAFKA_CLIENT, OutboxRelayService } from './outbox-relay.service';

@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: KAFKA_CLIENT,
        useFactory: () => ({
          transport: Transport.KAFKA,
          options: {
            client: kafkaClientConfig(kafkaSettingsFromEnv(), 'lotwise-api'),
            producerOnlyMode: true,
            // Idempotent: a retried produce cannot duplicate or reorder a key's messages.
            producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
            send: { acks: -1 },
          },
        }),
      },
    ]),
  ],
  providers: [OutboxRelayService],
  exports: [OutboxRelayService],
})
export class OutboxModule {}
