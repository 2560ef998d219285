import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KafkaSettings, kafkaSettingsFromEnv } from '../kafka-settings';
import { HealthController } from './health.controller';
import { KafkaHealthIndicator } from './kafka-health.indicator';

/** `GET /health`: readiness of PostgreSQL (via the app's TypeORM connection) and Kafka. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [KafkaHealthIndicator, { provide: KafkaSettings, useFactory: () => kafkaSettingsFromEnv() }],
  exports: [KafkaHealthIndicator, KafkaSettings],
})
export class HealthModule {}
