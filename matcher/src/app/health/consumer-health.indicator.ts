import { LotwiseHealthIndicator } from '@lotwise/server-core';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Consumer } from 'kafkajs';

type ConsumerState = 'starting' | 'member' | 'rebalancing' | 'restarting' | 'stopped' | 'failed';

/**
 * The matcher's own Kafka consumer, from its events. Readiness: it is a member of the group (consuming, or
 * rebalancing, which is routine). Liveness: kafkajs has not given up on it; after a crash it will not restart
 * from, only a new process helps.
 */
@Injectable()
export class ConsumerHealthIndicator implements LotwiseHealthIndicator {
  private state: ConsumerState = 'starting';
  private detail: Record<string, unknown> = {};

  constructor(private readonly health: HealthIndicatorService) {}

  /** Called by main once the consumer runs (it has joined the group by then). */
  watch(consumer: Consumer): void {
    this.state = 'member';
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.state = 'member';
      this.detail = {
        memberId: event.payload.memberId,
        partitions: Object.values(event.payload.memberAssignment).reduce((n, p) => n + p.length, 0),
      };
    });
    consumer.on(consumer.events.REBALANCING, () => {
      if (this.state === 'member') this.state = 'rebalancing';
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.state = event.payload.restart ? 'restarting' : 'failed';
      this.detail = { ...this.detail, error: event.payload.error.message };
    });
    consumer.on(consumer.events.STOP, () => {
      if (this.state !== 'failed') this.state = 'stopped';
    });
  }

  async readiness(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('consumer');
    const details = { state: this.state, ...this.detail };
    return this.state === 'member' || this.state === 'rebalancing'
      ? indicator.up(details)
      : indicator.down(details);
  }

  async liveness(): Promise<HealthIndicatorResult> {
    const indicator = this.health.check('consumer');
    return this.state === 'failed'
      ? indicator.down({ state: this.state, ...this.detail })
      : indicator.up({ state: this.state });
  }
}
