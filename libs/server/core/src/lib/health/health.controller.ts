import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { LOTWISE_HEALTH_INDICATORS, LotwiseHealthIndicator } from './health-indicators';
import { KafkaHealthIndicator } from './kafka-health.indicator';

/**
 * `GET /health` is readiness: PostgreSQL, Kafka and the app's own checks; 503 when one is down, and while the
 * app shuts down. `GET /health/live` is liveness: the process answers, and nothing it depends on has given up
 * for good. A dependency being down is not a reason to restart, so liveness does not look at them.
 */
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    @Inject(LOTWISE_HEALTH_INDICATORS) private readonly indicators: LotwiseHealthIndicator[],
  ) {}

  @Get()
  @HealthCheck()
  readiness() {
    const own = this.indicators.flatMap((i): HealthIndicatorFunction[] => {
      const readiness = i.readiness?.bind(i);
      return readiness ? [readiness] : [];
    });
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      () => this.kafka.isHealthy(),
      ...own,
    ]);
  }

  @Get('live')
  @HealthCheck()
  liveness() {
    const own = this.indicators.flatMap((i): HealthIndicatorFunction[] => {
      const liveness = i.liveness?.bind(i);
      return liveness ? [liveness] : [];
    });
    return this.health.check([
      async () =>
        this.indicator.check('process').up({
          pid: process.pid,
          uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
          rssMegabytes: Math.round(process.memoryUsage.rss() / 2 ** 20),
        }),
      ...own,
    ]);
  }
}
