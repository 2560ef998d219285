import { postgresSettingsFromEnv, typeOrmOptions } from './postgres-config';

describe('postgresSettingsFromEnv', () => {
  it('defaults to the local portfolio database', () => {
    expect(postgresSettingsFromEnv({})).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: '',
      database: 'portfolio',
    });
  });

  it("reads the seed's POSTGRES_* variables", () => {
    const env = {
      POSTGRES_HOST: 'db',
      POSTGRES_PORT: '6543',
      POSTGRES_USER: 'u',
      POSTGRES_PASSWORD: 'p',
      POSTGRES_DB: 'books',
    };
    expect(postgresSettingsFromEnv(env)).toEqual({
      host: 'db',
      port: 6543,
      user: 'u',
      password: 'p',
      database: 'books',
    });
  });

  it.each(['0', '70000', 'abc', '54.32'])('rejects POSTGRES_PORT=%p', (port) => {
    expect(() => postgresSettingsFromEnv({ POSTGRES_PORT: port })).toThrow(/POSTGRES_PORT/);
  });

  it('never lets TypeORM change the schema that init.sql owns', () => {
    const options = typeOrmOptions(postgresSettingsFromEnv({}), 'test');
    expect(options).toMatchObject({ synchronize: false, migrationsRun: false });
  });
});
