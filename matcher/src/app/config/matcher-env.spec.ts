import { MATCHER_CONSUMER_GROUP } from '@lotwise/contracts';
import { envVariableNames, validateEnv } from '@lotwise/server-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { MatcherEnv } from './matcher-env';

const EXAMPLE = join(__dirname, '../../../.env.example');

describe('MatcherEnv', () => {
  const example = readFileSync(EXAMPLE, 'utf8');
  const assigned = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it('matcher/.env.example lists every variable of the schema, once, and nothing else', () => {
    expect([...assigned].sort()).toEqual([...envVariableNames(MatcherEnv)].sort());
  });

  it("matcher/.env.example's values are valid, and are the defaults", () => {
    const fromExample = validateEnv(MatcherEnv, parseEnv(example));
    expect({ ...fromExample }).toEqual({ ...validateEnv(MatcherEnv, {}) });
  });

  it('defaults to the shared consumer group and health port 3002', () => {
    const env = validateEnv(MatcherEnv, {});
    expect(env.MATCHER_CONSUMER_GROUP).toBe(MATCHER_CONSUMER_GROUP);
    expect(env.MATCHER_HTTP_PORT).toBe(3002);
  });

  it('names a bad health port', () => {
    expect(() => validateEnv(MatcherEnv, { MATCHER_HTTP_PORT: 'http' })).toThrow(
      'Invalid configuration: MATCHER_HTTP_PORT must be a TCP port (1-65535), got "http"',
    );
  });
});
