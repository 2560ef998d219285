import { Logger, NestApplicationOptions } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { envVariableNames, InvalidConfigurationError, validateEnv } from './config/env-variable';

/**
 * NestFactory options for both apps: Nest's own startup lines wait for pino (bufferLogs), and a failure while
 * the module graph is built reaches main's catch (abortOnError: false) without Nest printing it first.
 */
export const SERVER_APP_OPTIONS: NestApplicationOptions = {
  bufferLogs: true,
  autoFlushLogs: false,
  abortOnError: false,
};

/** SIGTERM (docker stop, Kubernetes) and SIGINT (Ctrl-C) close the app; it then exits 0 (useProcessExit). */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'];

/**
 * main's catch: invalid configuration is one line on stderr (no stack, no log framing, since the log settings
 * themselves may be what is wrong); anything else is logged with its stack. Either way the process exits 1.
 */
export function exitOnStartupFailure(error: unknown): never {
  if (error instanceof InvalidConfigurationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  Logger.flush();
  Logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  process.exit(1);
}

/**
 * `node main.js --check-config`: validates the configuration as startup would (the env file, then the
 * environment on top), prints one line and exits 0, or 1 with the Invalid configuration line. Connects to
 * nothing, so it can vet a deployment's environment before the rollout.
 */
export function checkConfigurationIfAsked(schema: new () => object, envFilePath: string): void {
  if (!process.argv.includes('--check-config')) return;
  try {
    const file = existsSync(envFilePath) ? parseEnv(readFileSync(envFilePath, 'utf8')) : {};
    validateEnv(schema, { ...file, ...process.env });
  } catch (error) {
    exitOnStartupFailure(error);
  }
  process.stdout.write(`Configuration OK (${envVariableNames(schema).join(', ')})\n`);
  process.exit(0);
}
