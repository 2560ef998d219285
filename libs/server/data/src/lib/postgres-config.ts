import type { DataSourceOptions } from 'typeorm';
import { LOTWISE_ENTITIES } from './entities';

export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The seed's variables, with defaults that work against a local trust-auth PostgreSQL. */
export function postgresSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  return {
    host: env['POSTGRES_HOST'] || '127.0.0.1',
    port: parsePort(env['POSTGRES_PORT'] || '5432', 'POSTGRES_PORT'),
    user: env['POSTGRES_USER'] || 'postgres',
    password: env['POSTGRES_PASSWORD'] ?? '',
    database: env['POSTGRES_DB'] || 'portfolio',
  };
}

export function typeOrmOptions(settings: PostgresSettings, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
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

function parsePort(value: string, name: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${value}"`);
  }
  return Number(value);
}
