import { MATCHER_CONSUMER_GROUP } from '@lotwise/contracts';
import { kafkaClientConfig, kafkaSettingsFromEnv } from '@lotwise/server-core';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, Transport } from '@nestjs/microservices';
import { MatcherModule } from './app/matcher.module';

async function bootstrap(): Promise<void> {
  // A hybrid app: the Kafka consumer does the work, a small HTTP listener answers health probes.
  const app = await NestFactory.create(MatcherModule);
  app.enableShutdownHooks();
  const kafka = kafkaSettingsFromEnv();
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.KAFKA,
      options: {
        postfixId: '',
        client: kafkaClientConfig(kafka, `lotwise-matcher-${process.pid}`),
        // A short session lets the group hand a crashed instance's partitions to the others within seconds.
        consumer: {
          // Overridable only to re-consume a topic from scratch in a separate group (fault-injection tests).
          groupId: process.env['MATCHER_CONSUMER_GROUP'] || MATCHER_CONSUMER_GROUP,
          allowAutoTopicCreation: false,
          sessionTimeout: 10_000,
          heartbeatInterval: 1000,
        },
        subscribe: { fromBeginning: true },
        // Offsets are committed by the handler, only after the database transaction commits.
        run: { autoCommit: false, partitionsConsumedConcurrently: 3 },
      },
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  const port = Number(process.env['MATCHER_HTTP_PORT'] || 3002);
  await app.listen(port, process.env['HOST'] || '0.0.0.0');
  Logger.log(`Lotwise matcher consuming from ${kafka.brokers.join(',')}; health on :${port}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
});
