import {
  EnvVariable,
  IsOriginList,
  IsPositiveInteger,
  IsTcpPort,
  parseInteger,
  parseList,
  parsePort,
  ServerEnv,
} from '@lotwise/server-core';

/** The api's configuration: the shared server variables plus its own. Every one is listed in api/.env.example. */
export class ApiEnv extends ServerEnv {
  @EnvVariable<number>({ default: '3001', parse: parsePort })
  @IsTcpPort()
  PORT!: number;

  /** Browser origins allowed to call the api (comma list); the dashboard's by default. */
  @EnvVariable<string[]>({ default: 'http://localhost:3000', parse: parseList })
  @IsOriginList()
  CORS_ORIGINS!: string[];

  /** /health reports the outbox down when its oldest unpublished row is older than this. */
  @EnvVariable<number>({ default: '60', parse: parseInteger })
  @IsPositiveInteger()
  OUTBOX_MAX_AGE_SECONDS!: number;
}

/** Optional dotenv file, relative to the working directory (the repository root for `npm start`). */
export const API_ENV_FILE = 'api/.env';
