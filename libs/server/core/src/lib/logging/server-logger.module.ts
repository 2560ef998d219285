import { DynamicModule, Logger as NestLogger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LoggerModule, Params } from 'nestjs-pino';
import pino, { DestinationStream } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import { LogFormat, LogLevel, ServerEnv } from '../config/server-env';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[\x21-\x7E]{1,128}$/;

export interface ServerLoggerOptions {
  /** `service` field of every entry, e.g. lotwise-api. */
  service: string;
  /** Log one line per HTTP request (the api); the matcher's HTTP side only answers health probes. */
  logRequests: boolean;
}

/**
 * nestjs-pino for the whole app: Nest's Logger, kafkajs (through Nest's Logger) and, on the api, one line per
 * request, all as pino entries. LOG_FORMAT=json writes one JSON object a line to stdout; pretty prints them for
 * a terminal (pino-pretty, a dev dependency: where it is not installed, JSON it is).
 */
@Module({})
export class ServerLoggerModule {
  static forRoot(options: ServerLoggerOptions): DynamicModule {
    return {
      module: ServerLoggerModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<ServerEnv, true>) =>
            loggerParams(
              options,
              config.get('LOG_LEVEL', { infer: true }),
              config.get('LOG_FORMAT', { infer: true }),
            ),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}

export function loggerParams(options: ServerLoggerOptions, level: LogLevel, format: LogFormat): Params {
  const pretty = format === 'pretty' ? prettyStream() : null;
  if (format === 'pretty' && !pretty) {
    new NestLogger('Logging').warn(
      'LOG_FORMAT=pretty needs pino-pretty (a dev dependency); logging JSON instead',
    );
  }
  return {
    pinoHttp: [
      {
        level,
        base: { service: options.service, pid: process.pid, hostname: hostname() },
        timestamp: pino.stdTimeFunctions.isoTime,
        // Level names ("warn") rather than numbers in JSON; pino-pretty wants the numbers.
        ...(pretty ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
        redact: ['req.headers.authorization', 'req.headers.cookie'],
        genReqId: requestId,
        customAttributeKeys: { reqId: 'requestId' },
        // Entries written while a request is handled carry its requestId, not the whole request.
        quietReqLogger: true,
        autoLogging: options.logRequests ? { ignore: (req) => isProbe(req.url) } : false,
        serializers: {
          req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({
            method: req.method,
            url: req.url,
            remoteAddress: req.remoteAddress,
          }),
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
        customLogLevel: (_req, res, error) =>
          error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        customSuccessMessage: (req, res, responseTime) =>
          `${req.method} ${req.url} ${res.statusCode} ${Math.round(responseTime)} ms`,
        customErrorMessage: (req, res, error) =>
          `${req.method} ${req.url} ${res.statusCode} ${error.message}`,
      },
      pretty ?? pino.destination({ dest: 1, sync: true }),
    ],
  };
}

/** Honours the caller's x-request-id (printable, at most 128 characters), else a new UUID; echoed on the response. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

function isProbe(url: string | undefined): boolean {
  return url === '/health' || url?.startsWith('/health/') === true || url?.startsWith('/health?') === true;
}

function prettyStream(): DestinationStream | null {
  let build: (options: PrettyOptions) => DestinationStream;
  try {
    // Loaded only when asked for: production images do not install dev dependencies.
    build = require('pino-pretty');
  } catch {
    return null;
  }
  return build({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
}
