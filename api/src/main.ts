import {
  checkConfigurationIfAsked,
  exitOnStartupFailure,
  SERVER_APP_OPTIONS,
  SHUTDOWN_SIGNALS,
} from '@lotwise/server-core';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { API_ENV_FILE, ApiEnv } from './app/config/api-env';
import { configureApp } from './app/configure-app';

async function bootstrap(): Promise<void> {
  checkConfigurationIfAsked(ApiEnv, API_ENV_FILE);
  // bodyParser off here: configureApp installs it with the 64 KB limit.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    ...SERVER_APP_OPTIONS,
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  const config = app.get<ConfigService<ApiEnv, true>>(ConfigService);
  configureApp(app, { corsOrigins: config.get('CORS_ORIGINS', { infer: true }) });
  // SIGTERM: stop accepting, finish requests in flight, drain the outbox relay, close Kafka and PostgreSQL, exit 0.
  app.enableShutdownHooks(SHUTDOWN_SIGNALS, { useProcessExit: true });
  const port = config.get('PORT', { infer: true });
  await app.listen(port, config.get('HOST', { infer: true }));
  logger.log(`Lotwise api listening on http://127.0.0.1:${port} (Swagger UI at /docs)`, 'Bootstrap');
}

bootstrap().catch(exitOnStartupFailure);
