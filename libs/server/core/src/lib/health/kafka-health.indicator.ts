import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka } from 'kafkajs';
import { kafkaClientConfig, KafkaSettings } from '../kafka-settings';

/** Readiness of the Kafka cluster: a metadata round trip with a short timeout. */
@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin: Admin | null = null;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly settings: KafkaSettings,
  ) {}

  async isHealthy(key = 'kafka', timeoutMs = 2000): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const cluster = await withTimeout(
        this.getAdmin().then((admin) => admin.describeCluster()),
        timeoutMs,
      );
      return indicator.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      // A broken connection is not reused: the next probe starts from scratch.
      await this.resetAdmin();
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.resetAdmin();
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      // No retries: a probe reports what it finds at once (a refused connection in milliseconds) rather
      // than holding the request open for the whole timeout while kafkajs backs off.
      const admin = new Kafka({
        ...kafkaClientConfig(this.settings, 'lotwise-health'),
        connectionTimeout: 1000,
        retry: { retries: 0 },
      }).admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  private async resetAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
