import { MATCHER_CONSUMER_GROUP } from '@lotwise/contracts';
import { EnvVariable, IsName, IsTcpPort, parsePort, ServerEnv } from '@lotwise/server-core';

/** The matcher's configuration: the shared server variables plus its own. Every one is in matcher/.env.example. */
export class MatcherEnv extends ServerEnv {
  /** The matcher's HTTP listener, which only answers health probes. */
  @EnvVariable<number>({ default: '3002', parse: parsePort })
  @IsTcpPort()
  MATCHER_HTTP_PORT!: number;

  /**
   * The consumer group every matcher instance joins, so they split the partitions. Change it only to
   * re-consume the topic from scratch in a separate group (the fault-injection tests do).
   */
  @EnvVariable({ default: MATCHER_CONSUMER_GROUP })
  @IsName(255)
  MATCHER_CONSUMER_GROUP!: string;
}

/** Optional dotenv file, relative to the working directory (the repository root for `npm start`). */
export const MATCHER_ENV_FILE = 'matcher/.env';
