import { LotwiseHealthIndicator } from '@lotwise/server-core';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiEnv } from '../config/api-env';
import { OutboxRelayService } from './outbox-relay.service';

/**
 * Readiness of the outbox relay: down when the oldest unpublished row is older than OUTBOX_MAX_AGE_SECONDS
 * (accepted trades are not reaching the matcher), with the backlog and the relay's last error as details.
 */
@Injectable()
export class OutboxHealthIndicator implements LotwiseHealthIndicator {
  private readonly maxAgeSeconds: number;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly relay: OutboxRelayService,
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<ApiEnv, true>,
  ) {
    this.maxAgeSeconds = config.get('OUTBOX_MAX_AGE_SECONDS', { infer: true });
  }

  async readiness(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('outbox');
    try {
      const [row] = await this.dataSource.query(
        `SELECT count(*)::int AS backlog,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM outbox WHERE published_at IS NULL`,
      );
      const { lastError, lastErrorAt, publishedTotal } = this.relay.snapshot();
      const details = {
        backlog: row.backlog as number,
        oldestUnpublishedSeconds: Math.round(row.oldest as number),
        maxAgeSeconds: this.maxAgeSeconds,
        publishedTotal,
        lastError,
        lastErrorAt,
      };
      return details.oldestUnpublishedSeconds > this.maxAgeSeconds
        ? indicator.down({ message: 'the outbox relay is falling behind', ...details })
        : indicator.up(details);
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
