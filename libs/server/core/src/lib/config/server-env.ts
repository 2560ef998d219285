import { registerDecorator, ValidationArguments } from 'class-validator';
import { EnvVariable, isProduction, RawEnv } from './env-variable';
import {
  IsAnyText,
  IsBrokerList,
  IsHost,
  IsName,
  IsOneOf,
  IsTcpPort,
  parseList,
  parsePort,
} from './validators';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const POSTGRES_VARIABLES = [
  'NODE_ENV',
  'POSTGRES_HOST',
  'POSTGRES_PORT',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'POSTGRES_DB',
] as const;
export const KAFKA_VARIABLES = ['NODE_ENV', 'KAFKA_BROKERS', 'KAFKA_BROKER'] as const;

/**
 * What the api and the matcher both read from the environment. Outside production every variable has a local
 * default (the two-command path needs none); with NODE_ENV=production the connection settings must be given.
 */
export class ServerEnv {
  /** `production` switches logs to JSON by default and makes the connection settings mandatory. */
  @EnvVariable({ default: 'development' })
  @IsName(32)
  NODE_ENV!: string;

  /** Interface the HTTP listener binds. */
  @EnvVariable({ default: '0.0.0.0' })
  @IsHost()
  HOST!: string;

  @EnvVariable({ default: '127.0.0.1', requiredInProduction: true })
  @IsHost()
  POSTGRES_HOST!: string;

  @EnvVariable<number>({ default: '5432', parse: parsePort })
  @IsTcpPort()
  POSTGRES_PORT!: number;

  @EnvVariable({ default: 'postgres', requiredInProduction: true })
  @IsName(63)
  POSTGRES_USER!: string;

  /** Empty means none (trust or peer authentication, as a local cluster often has). */
  @EnvVariable({ default: '', requiredInProduction: true })
  @IsAnyText()
  POSTGRES_PASSWORD!: string;

  @EnvVariable({ default: 'portfolio', requiredInProduction: true })
  @IsName(63)
  POSTGRES_DB!: string;

  /** Comma list of host:port; wins over KAFKA_BROKER. */
  @EnvVariable<string[]>({
    optional: true,
    default: (env) => (hasText(env['KAFKA_BROKER']) || isProduction(env) ? undefined : '127.0.0.1:9092'),
    parse: parseList,
  })
  @IsBrokerList()
  @BrokersGivenInProduction()
  KAFKA_BROKERS!: string[] | undefined;

  /** The seed's single broker (a comma list works too); used when KAFKA_BROKERS is unset. */
  @EnvVariable<string[]>({ optional: true, parse: parseList })
  @IsBrokerList()
  KAFKA_BROKER!: string[] | undefined;

  @EnvVariable({ default: 'info' })
  @IsOneOf(LOG_LEVELS)
  LOG_LEVEL!: LogLevel;

  /** `pretty` (colour, one line per entry, needs the pino-pretty dev dependency) or `json` (one object a line). */
  @EnvVariable({ default: (env) => (isProduction(env) ? 'json' : 'pretty') })
  @IsOneOf(LOG_FORMATS)
  LOG_FORMAT!: LogFormat;
}

/** The brokers a client connects to: KAFKA_BROKERS, else KAFKA_BROKER. */
export function kafkaBrokersOf(env: Pick<ServerEnv, 'KAFKA_BROKERS' | 'KAFKA_BROKER'>): string[] {
  const brokers = env.KAFKA_BROKERS?.length ? env.KAFKA_BROKERS : env.KAFKA_BROKER;
  return brokers?.length ? brokers : ['127.0.0.1:9092'];
}

function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** With NODE_ENV=production, KAFKA_BROKERS or KAFKA_BROKER must be given. */
function BrokersGivenInProduction(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'brokersGivenInProduction',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const env = args.object as ServerEnv;
          return (
            value !== undefined || env.KAFKA_BROKER !== undefined || !isProduction(env as unknown as RawEnv)
          );
        },
        defaultMessage: () => 'KAFKA_BROKERS (or KAFKA_BROKER) is required when NODE_ENV=production',
      },
    });
  };
}
