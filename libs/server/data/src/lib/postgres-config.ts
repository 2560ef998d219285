import { POSTGRES_VARIABLES, ServerEnv, validateEnv } from '@lotwise/server-core';
import type { ConfigService } from '@nestjs/config';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { LOTWISE_ENTITIES } from './entities';

export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type PostgresEnv = Pick<
  ServerEnv,
  'POSTGRES_HOST' | 'POSTGRES_PORT' | 'POSTGRES_USER' | 'POSTGRES_PASSWORD' | 'POSTGRES_DB'
>;

/** Settings from validated configuration (ConfigService or validateEnv). */
export function postgresSettingsFrom(env: PostgresEnv): PostgresSettings {
  return {
    host: env.POSTGRES_HOST,
    port: env.POSTGRES_PORT,
    user: env.POSTGRES_USER,
    password: env.POSTGRES_PASSWORD,
    database: env.POSTGRES_DB,
  };
}

/** Settings from the app's validated configuration (ServerConfigModule). */
export function postgresSettingsFromConfig(config: ConfigService): PostgresSettings {
  return postgresSettingsFrom({
    POSTGRES_HOST: config.getOrThrow<string>('POSTGRES_HOST'),
    POSTGRES_PORT: config.getOrThrow<number>('POSTGRES_PORT'),
    POSTGRES_USER: config.getOrThrow<string>('POSTGRES_USER'),
    POSTGRES_PASSWORD: config.getOrThrow<string>('POSTGRES_PASSWORD'),
    POSTGRES_DB: config.getOrThrow<string>('POSTGRES_DB'),
  });
}

/**
 * The seed's variables, with defaults that work against a local trust-auth PostgreSQL. Validated by the same
 * schema as the apps' configuration, so a bad value fails with the same message.
 */
export function postgresSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  return postgresSettingsFrom(validateEnv(ServerEnv, env, POSTGRES_VARIABLES));
}

export function typeOrmOptions(settings: PostgresSettings, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    // Named rather than left for TypeORM to require() at run time, so the build's generated package.json (and
    // so the production image's `npm ci`) includes the driver.
    driver: pg,
    host: settings.host,
    port: settings.port,
    username: settings.user,
    password: settings.password,
    database: settings.database,
    entities: LOTWISE_ENTITIES,
    synchronize: false,
    migrationsRun: false,
    applicationName,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}
