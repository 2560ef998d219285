import {
  checkConfigurationIfAsked,
  exitOnStartupFailure,
  KafkaBatchServer,
  kafkaClientConfig,
  kafkaProducerConfig,
  KafkaSettings,
  SERVER_APP_OPTIONS,
  SHUTDOWN_SIGNALS,
} from '@lotwise/server-core';
import { KAFKA_TOPIC_PARTITIONS } from '@lotwise/contracts';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import type { Consumer } from 'kafkajs';
import { Logger } from 'nestjs-pino';
import { MATCHER_ENV_FILE, MatcherEnv } from './app/config/matcher-env';
import { ConsumerHealthIndicator } from './app/health/consumer-health.indicator';
import { MatcherModule } from './app/matcher.module';

async function bootstrap(): Promise<void> {
  checkConfigurationIfAsked(MatcherEnv, MATCHER_ENV_FILE);
  // A hybrid app: the Kafka consumer does the work, a small HTTP listener answers health probes.
  const app = await NestFactory.create(MatcherModule, SERVER_APP_OPTIONS);
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  // SIGTERM: the consumer stops fetching, the trades in flight finish and commit, it leaves the group,
  // then Kafka and PostgreSQL close and the process exits 0 (see MatchingController.beforeApplicationShutdown).
  app.enableShutdownHooks(SHUTDOWN_SIGNALS, { useProcessExit: true });
  const config = app.get<ConfigService<MatcherEnv, true>>(ConfigService);
  const kafka = app.get(KafkaSettings);
  // Nest's Kafka transport, delivering whole fetched batches: see MatchingController.onTradesSubmitted.
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    {
      strategy: new KafkaBatchServer({
        postfixId: '',
        client: kafkaClientConfig(kafka, `lotwise-matcher-${process.pid}`),
        // A short session lets the group hand a crashed instance's partitions to the others within seconds.
        consumer: {
          groupId: config.get('MATCHER_CONSUMER_GROUP', { infer: true }),
          allowAutoTopicCreation: false,
          sessionTimeout: 10_000,
          heartbeatInterval: 1000,
          // An idle fetch returns within 1 s, so a stopping consumer is not held by a long poll.
          maxWaitTimeInMs: 1000,
          // About 1,000 trades per partition per fetch: large batches, bounded memory.
          maxBytesPerPartition: 256 * 1024,
        },
        producer: kafkaProducerConfig(),
        subscribe: { fromBeginning: true },
        // Offsets are committed by the handler, only after the database transaction commits. Every partition
        // this instance owns is worked on at once, so one partition's commit wait overlaps another's work.
        run: { autoCommit: false, partitionsConsumedConcurrently: KAFKA_TOPIC_PARTITIONS },
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  app.get(ConsumerHealthIndicator).watch(microservice.unwrap<[unknown, Consumer, unknown]>()[1]);
  const port = config.get('MATCHER_HTTP_PORT', { infer: true });
  await app.listen(port, config.get('HOST', { infer: true }));
  logger.log(`Lotwise matcher consuming from ${kafka.brokers.join(',')}; health on :${port}`, 'Bootstrap');
}

bootstrap().catch(exitOnStartupFailure);
