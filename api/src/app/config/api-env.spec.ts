import { envVariableNames, validateEnv } from '@lotwise/server-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ApiEnv } from './api-env';

const EXAMPLE = join(__dirname, '../../../.env.example');

describe('ApiEnv', () => {
  const example = readFileSync(EXAMPLE, 'utf8');
  const assigned = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it('api/.env.example lists every variable of the schema, once, and nothing else', () => {
    expect([...assigned].sort()).toEqual([...envVariableNames(ApiEnv)].sort());
  });

  it("api/.env.example's values are valid, and are the defaults", () => {
    const fromExample = validateEnv(ApiEnv, parseEnv(example));
    expect({ ...fromExample }).toEqual({ ...validateEnv(ApiEnv, {}) });
  });

  it('reads the api variables', () => {
    const env = validateEnv(ApiEnv, {
      PORT: '8080',
      CORS_ORIGINS: 'https://lotwise.example.com, http://localhost:4200',
      OUTBOX_MAX_AGE_SECONDS: '120',
    });
    expect(env.PORT).toBe(8080);
    expect(env.CORS_ORIGINS).toEqual(['https://lotwise.example.com', 'http://localhost:4200']);
    expect(env.OUTBOX_MAX_AGE_SECONDS).toBe(120);
  });

  it.each([
    [{ PORT: '3001x' }, /PORT must be a TCP port/],
    [
      { CORS_ORIGINS: 'localhost:3000' },
      /CORS_ORIGINS must be a comma list of origins .*got "localhost:3000"/,
    ],
    [{ CORS_ORIGINS: 'http://a.example/path' }, /CORS_ORIGINS must be/],
    [
      { OUTBOX_MAX_AGE_SECONDS: '0' },
      /OUTBOX_MAX_AGE_SECONDS must be a whole number greater than 0, got "0"/,
    ],
  ])('refuses %p', (env, message) => {
    expect(() => validateEnv(ApiEnv, env)).toThrow(message);
  });
});
