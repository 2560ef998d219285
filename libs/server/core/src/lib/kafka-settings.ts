import { KAFKA_TOPIC_PARTITIONS } from '@lotwise/contracts';
import { Logger } from '@nestjs/common';
import { Kafka, KafkaConfig, logCreator, logLevel, Partitioners, ProducerConfig } from 'kafkajs';
import { validateEnv } from './config/env-variable';
import { KAFKA_VARIABLES, kafkaBrokersOf, ServerEnv } from './config/server-env';

/** A class rather than an interface so Nest can inject it by type. */
export class KafkaSettings {
  constructor(
    readonly brokers: string[],
    readonly partitions: number,
  ) {}
}

/** Settings from validated configuration (ConfigService or validateEnv). */
export function kafkaSettingsFrom(env: Pick<ServerEnv, 'KAFKA_BROKERS' | 'KAFKA_BROKER'>): KafkaSettings {
  return new KafkaSettings(kafkaBrokersOf(env), KAFKA_TOPIC_PARTITIONS);
}

/**
 * `KAFKA_BROKERS` (comma list) wins over the seed's single `KAFKA_BROKER`; both default to a local broker.
 * Validated by the same schema as the apps' configuration, so a bad value fails with the same message.
 */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  return kafkaSettingsFrom(validateEnv(ServerEnv, env, KAFKA_VARIABLES));
}

export function kafkaClientConfig(settings: KafkaSettings, clientId: string): KafkaConfig {
  return {
    clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    // Failures must surface, not hang: kafkajs retries with backoff and then throws to the caller.
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
  };
}

/**
 * Producer options every Lotwise producer shares. The partitioner is named explicitly (kafkajs 2's default,
 * murmur2 like the Java client), which also silences the warning kafkajs prints when it is left implicit.
 */
export function kafkaProducerConfig(overrides: ProducerConfig = {}): ProducerConfig {
  return { createPartitioner: Partitioners.DefaultPartitioner, ...overrides };
}

export function createKafka(settings: KafkaSettings, clientId: string): Kafka {
  return new Kafka(kafkaClientConfig(settings, clientId));
}

/** kafkajs logs through Nest's logger (so through pino), as structured fields rather than a JSON-in-text tail. */
export const kafkaLogCreator: logCreator = () => {
  const logger = new Logger('KafkaJS');
  return ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
    const msg = `[${namespace}] ${message}`;
    const entry = Object.keys(fields).length > 0 ? { msg, kafka: fields } : { msg };
    if (level === logLevel.ERROR) logger.error(entry);
    else if (level === logLevel.WARN) logger.warn(entry);
    else if (level === logLevel.INFO) logger.log(entry);
    else logger.debug(entry);
  };
};
