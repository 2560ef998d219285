import { KAFKA_TOPIC_PARTITIONS } from '@lotwise/contracts';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';

/** A class rather than an interface so Nest can inject it by type. */
export class KafkaSettings {
  constructor(
    readonly brokers: string[],
    readonly partitions: number,
  ) {}
}

/**
 * `KAFKA_BROKERS` (comma list) wins over the seed's single `KAFKA_BROKER`; both default to a local broker.
 */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const raw = env['KAFKA_BROKERS'] || env['KAFKA_BROKER'] || '127.0.0.1:9092';
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  for (const broker of brokers) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) {
      throw new Error(`KAFKA_BROKERS must be a comma list of host:port, got "${broker}"`);
    }
  }
  if (brokers.length === 0) {
    throw new Error('KAFKA_BROKERS must name at least one host:port');
  }
  return new KafkaSettings(brokers, KAFKA_TOPIC_PARTITIONS);
}

export function kafkaClientConfig(settings: KafkaSettings, clientId: string): KafkaConfig {
  return {
    clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    // Failures must surface, not hang: kafkajs retries with backoff and then throws to the caller.
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
  };
}

export function createKafka(settings: KafkaSettings, clientId: string): Kafka {
  return new Kafka(kafkaClientConfig(settings, clientId));
}
