import { envVariableNames, InvalidConfigurationError, validateEnv } from './env-variable';
import { kafkaBrokersOf, ServerEnv } from './server-env';

function problemsOf(env: Record<string, string>): string {
  try {
    validateEnv(ServerEnv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('ServerEnv', () => {
  it('has a local default for every variable outside production', () => {
    expect({ ...validateEnv(ServerEnv, {}) }).toEqual({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: 5432,
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: '',
      POSTGRES_DB: 'portfolio',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
    });
  });

  it('parses ports and broker lists, and treats a blank variable as unset', () => {
    const env = validateEnv(ServerEnv, {
      POSTGRES_PORT: ' 6543 ',
      KAFKA_BROKERS: 'a:1, b:2,',
      POSTGRES_HOST: '  ',
    });
    expect(env.POSTGRES_PORT).toBe(6543);
    expect(env.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(env.POSTGRES_HOST).toBe('127.0.0.1');
  });

  it('reads only its own variables', () => {
    expect(Object.keys(validateEnv(ServerEnv, { PATH: '/bin', SECRET: 'x' }))).not.toContain('SECRET');
  });

  it.each([
    [{ POSTGRES_PORT: 'abc' }, 'POSTGRES_PORT must be a TCP port (1-65535), got "abc"'],
    [{ POSTGRES_PORT: '0' }, 'POSTGRES_PORT must be a TCP port (1-65535), got "0"'],
    [{ POSTGRES_PORT: '65536' }, 'POSTGRES_PORT must be a TCP port (1-65535), got "65536"'],
    [{ KAFKA_BROKERS: 'nonsense' }, 'KAFKA_BROKERS must be a comma list of host:port, got "nonsense"'],
    [
      { KAFKA_BROKERS: 'a:9092,http://b:9092' },
      'KAFKA_BROKERS must be a comma list of host:port, got "http://b:9092"',
    ],
    [{ KAFKA_BROKER: 'kafka' }, 'KAFKA_BROKER must be a comma list of host:port, got "kafka"'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    ],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of json, pretty, got "xml"'],
    [{ POSTGRES_DB: 'my db' }, 'POSTGRES_DB must be 1-63 characters without blanks, got "my db"'],
  ])('refuses %p with one line naming the variable', (env, message) => {
    expect(problemsOf(env)).toBe(`Invalid configuration: ${message}`);
  });

  it('names every bad variable in the same line', () => {
    const message = problemsOf({ POSTGRES_PORT: 'x', LOG_LEVEL: 'y' });
    expect(message).toMatch(/^Invalid configuration: POSTGRES_PORT .*; LOG_LEVEL /);
    expect(message).not.toContain('\n');
  });

  describe('with NODE_ENV=production', () => {
    const production = {
      NODE_ENV: 'production',
      POSTGRES_HOST: 'db',
      POSTGRES_USER: 'lotwise',
      POSTGRES_PASSWORD: 's3cret',
      POSTGRES_DB: 'portfolio',
      KAFKA_BROKERS: 'kafka:9092',
    };

    it('logs JSON by default', () => {
      expect(validateEnv(ServerEnv, production).LOG_FORMAT).toBe('json');
    });

    it.each(['POSTGRES_HOST', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'])(
      'requires %s instead of falling back to a local default',
      (name) => {
        expect(problemsOf({ ...production, [name]: '' })).toBe(
          `Invalid configuration: ${name} is required when NODE_ENV=production`,
        );
      },
    );

    it('requires a broker, from KAFKA_BROKERS or KAFKA_BROKER', () => {
      const { KAFKA_BROKERS: _brokers, ...withoutBrokers } = production;
      expect(problemsOf(withoutBrokers)).toBe(
        'Invalid configuration: KAFKA_BROKERS (or KAFKA_BROKER) is required when NODE_ENV=production',
      );
      expect(kafkaBrokersOf(validateEnv(ServerEnv, { ...withoutBrokers, KAFKA_BROKER: 'k:9092' }))).toEqual([
        'k:9092',
      ]);
    });
  });

  it('lists its variables for the .env examples, in declaration order', () => {
    expect(envVariableNames(ServerEnv)).toEqual([
      'NODE_ENV',
      'HOST',
      'POSTGRES_HOST',
      'POSTGRES_PORT',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'POSTGRES_DB',
      'KAFKA_BROKERS',
      'KAFKA_BROKER',
      'LOG_LEVEL',
      'LOG_FORMAT',
    ]);
  });

  it("includes a subclass's own variables after the shared ones", () => {
    class AppEnv extends ServerEnv {}
    expect(envVariableNames(AppEnv)).toEqual(envVariableNames(ServerEnv));
  });
});
