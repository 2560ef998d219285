import { HealthModule, ServerConfigModule, ServerLoggerModule } from '@lotwise/server-core';
import { postgresSettingsFromConfig, typeOrmOptions } from '@lotwise/server-data';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MATCHER_ENV_FILE, MatcherEnv } from './config/matcher-env';
import { ConsumerHealthIndicator } from './health/consumer-health.indicator';
import { MatchingModule } from './matching/matching.module';

@Module({
  imports: [
    ServerConfigModule.forRoot({ schema: MatcherEnv, envFilePath: MATCHER_ENV_FILE }),
    ServerLoggerModule.forRoot({ service: 'lotwise-matcher', logRequests: false }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        typeOrmOptions(postgresSettingsFromConfig(config), 'lotwise-matcher'),
    }),
    HealthModule.forRoot({ indicators: [ConsumerHealthIndicator] }),
    MatchingModule,
  ],
  // No interceptors here: with one, Nest stops awaiting the Kafka handler (see KafkaMessageLog), which would break
  // per-partition order and graceful shutdown. Per-message log fields come from KafkaMessageLog instead.
})
export class MatcherModule {}
