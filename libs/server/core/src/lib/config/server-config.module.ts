import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { KafkaSettings, kafkaSettingsFrom } from '../kafka-settings';
import { RawEnv, validateEnv } from './env-variable';
import { ServerEnv } from './server-env';

export interface ServerConfigOptions {
  /** The app's schema: ServerEnv or a subclass with the app's own variables. */
  schema: new () => ServerEnv;
  /** An optional dotenv file, relative to the working directory. Variables already in the environment win. */
  envFilePath?: string;
}

/**
 * `@nestjs/config` with a class-validator schema, made global: ConfigService serves the validated, typed values
 * (`config.get('POSTGRES_PORT', { infer: true })` is a number), and KafkaSettings is provided from them.
 * A missing or malformed variable makes `ConfigModule.forRoot` fail with an InvalidConfigurationError, which
 * `exitOnStartupFailure` prints as one line.
 */
@Module({})
export class ServerConfigModule {
  static forRoot(options: ServerConfigOptions): DynamicModule {
    return {
      module: ServerConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: !options.envFilePath,
          envFilePath: options.envFilePath,
          validate: (raw: RawEnv) => validateEnv(options.schema, raw),
        }),
      ],
      providers: [
        {
          provide: KafkaSettings,
          inject: [ConfigService],
          useFactory: (config: ConfigService<ServerEnv, true>) =>
            kafkaSettingsFrom({
              KAFKA_BROKERS: config.get('KAFKA_BROKERS', { infer: true }),
              KAFKA_BROKER: config.get('KAFKA_BROKER', { infer: true }),
            }),
        },
      ],
      exports: [KafkaSettings],
    };
  }
}
