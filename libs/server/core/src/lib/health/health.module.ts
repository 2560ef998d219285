import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { LOTWISE_HEALTH_INDICATORS, LotwiseHealthIndicator } from './health-indicators';
import { KafkaHealthIndicator } from './kafka-health.indicator';

export interface HealthModuleOptions {
  /** Modules the app's indicators need (e.g. the one exporting the outbox relay). */
  imports?: ModuleMetadata['imports'];
  /** The app's own readiness/liveness checks, next to PostgreSQL and Kafka. */
  indicators?: Type<LotwiseHealthIndicator>[];
}

/**
 * `GET /health` (readiness) and `GET /health/live` (liveness). Needs ServerConfigModule (for KafkaSettings) and
 * the app's TypeORM connection.
 */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions = {}): DynamicModule {
    const indicators = options.indicators ?? [];
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [
        KafkaHealthIndicator,
        ...indicators,
        {
          provide: LOTWISE_HEALTH_INDICATORS,
          inject: indicators,
          useFactory: (...instances: LotwiseHealthIndicator[]) => instances,
        },
      ],
      exports: [KafkaHealthIndicator],
    };
  }
}
