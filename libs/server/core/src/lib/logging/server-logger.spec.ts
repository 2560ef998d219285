import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import { loggerParams, requestId } from './server-logger.module';

function exchange(header?: string): {
  req: IncomingMessage;
  res: ServerResponse;
  headers: Map<string, unknown>;
} {
  const headers = new Map<string, unknown>();
  const req = {
    headers: header === undefined ? {} : { 'x-request-id': header },
  } as unknown as IncomingMessage;
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, value),
  } as unknown as ServerResponse;
  return { req, res, headers };
}

describe('requestId', () => {
  it("keeps the caller's x-request-id and echoes it", () => {
    const { req, res, headers } = exchange('checkout-42');
    expect(requestId(req, res)).toBe('checkout-42');
    expect(headers.get('x-request-id')).toBe('checkout-42');
  });

  it.each([undefined, '', 'has spaces', 'x'.repeat(129), 'new\nline'])(
    'generates a UUID for %p and echoes that',
    (header) => {
      const { req, res, headers } = exchange(header);
      const id = requestId(req, res);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(headers.get('x-request-id')).toBe(id);
    },
  );
});

describe('loggerParams', () => {
  const optionsOf = (params: ReturnType<typeof loggerParams>) => (params.pinoHttp as [Options, unknown])[0];

  it('writes JSON entries with level names, the service and the request id', () => {
    const options = optionsOf(loggerParams({ service: 'lotwise-api', logRequests: true }, 'debug', 'json'));
    expect(options.level).toBe('debug');
    expect(options.base).toMatchObject({ service: 'lotwise-api' });
    expect(options.formatters?.level?.('warn', 40)).toEqual({ level: 'warn' });
    expect(options.customAttributeKeys?.reqId).toBe('requestId');
  });

  it('logs requests but not health probes on the api, and no requests on the matcher', () => {
    const api = optionsOf(loggerParams({ service: 'lotwise-api', logRequests: true }, 'info', 'json'));
    const ignore = (api.autoLogging as { ignore: (req: IncomingMessage) => boolean }).ignore;
    expect(ignore({ url: '/health' } as IncomingMessage)).toBe(true);
    expect(ignore({ url: '/health/live' } as IncomingMessage)).toBe(true);
    expect(ignore({ url: '/trades' } as IncomingMessage)).toBe(false);
    const matcher = optionsOf(
      loggerParams({ service: 'lotwise-matcher', logRequests: false }, 'info', 'json'),
    );
    expect(matcher.autoLogging).toBe(false);
  });

  it('prints for a terminal with pino-pretty when asked (numeric levels, which it reads)', () => {
    const options = optionsOf(loggerParams({ service: 'lotwise-api', logRequests: true }, 'info', 'pretty'));
    expect(options.formatters).toBeUndefined();
  });
});
