import { parse } from 'yaml';
import { read } from './workspace';

export interface HealthCheck {
  test?: string | string[];
  disable?: boolean;
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target?: number; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: HealthCheck;
  container_name?: string;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export const COMPOSE_FILE = 'docker-compose.yml';

/** The compose file as written: YAML 1.1 merge keys (`<<: *anchor`) resolved, duplicate keys refused. */
export function loadRawCompose(): unknown {
  return parse(read(COMPOSE_FILE), { merge: true, uniqueKeys: true, strict: true, prettyErrors: true });
}

export interface Interpolated<T> {
  value: T;
  /** Variables referenced without a default and not set. */
  missing: string[];
  /** Every variable referenced. */
  used: Set<string>;
}

const REFERENCE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}])*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Compose's interpolation, applied to every string of the parsed file as Compose does before validating it:
 * `$$` is a literal `$`; `${VAR}` / `$VAR`; `${VAR:-default}` (unset or empty), `${VAR-default}` (unset);
 * `${VAR:?error}` / `${VAR?error}`; `${VAR:+alternative}` / `${VAR+alternative}`.
 */
export function interpolate<T>(value: T, env: Map<string, string>): Interpolated<T> {
  const missing: string[] = [];
  const used = new Set<string>();
  const substitute = (text: string): string =>
    text.replace(REFERENCE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      used.add(name);
      const set = env.has(name);
      const current = env.get(name) ?? '';
      switch (operator) {
        case ':-':
          return set && current !== '' ? current : substitute(argument ?? '');
        case '-':
          return set ? current : substitute(argument ?? '');
        case ':?':
        case '?':
          if (!set || (operator === ':?' && current === '')) missing.push(name);
          return current;
        case ':+':
          return set && current !== '' ? substitute(argument ?? '') : '';
        case '+':
          return set ? substitute(argument ?? '') : '';
        default:
          if (!set) missing.push(name);
          return current;
      }
    });
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return substitute(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    }
    return node;
  };
  return { value: walk(value) as T, missing, used };
}

/** A service's environment as a map (dictionary or KEY=value list form). */
export function environmentOf(service: Service): Map<string, string> {
  const env = new Map<string, string>();
  const entries = Array.isArray(service.environment)
    ? service.environment.map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {});
  for (const [key, value] of entries) env.set(String(key), value === null ? '' : String(value));
  return env;
}

/** depends_on in its long form: service → condition (the short list form means service_started). */
export function dependenciesOf(service: Service): Map<string, string | undefined> {
  const deps = service.depends_on;
  if (!deps) return new Map();
  if (Array.isArray(deps)) return new Map(deps.map((name) => [name, undefined]));
  return new Map(Object.entries(deps).map(([name, options]) => [name, options?.condition]));
}
