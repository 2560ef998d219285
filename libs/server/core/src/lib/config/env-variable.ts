import 'reflect-metadata';
import { Expose, plainToInstance, Transform } from 'class-transformer';
import { IsDefined, validateSync, ValidationArguments, ValidationError } from 'class-validator';

/** The environment as the process sees it, plus whatever an env file added. */
export type RawEnv = Record<string, unknown>;

/** One line naming every variable that is missing or malformed: what startup prints before it exits 1. */
export class InvalidConfigurationError extends Error {
  override readonly name = 'InvalidConfigurationError';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

export interface EnvVariableOptions<T> {
  /** Taken when the variable is unset or blank, outside production (or always, unless `requiredInProduction`). */
  default?: string | ((env: RawEnv) => string | undefined);
  /** In production (NODE_ENV=production) an unset variable is an error rather than a silent local default. */
  requiredInProduction?: boolean;
  /** Unset (and no default) is fine: the schema's other variables cover it. */
  optional?: boolean;
  /** Turns the text into the typed value; returns the text unchanged when it cannot, so the validators name it. */
  parse?: (text: string) => T | string;
}

const VARIABLES = Symbol('lotwise:env-variables');

export function isProduction(env: RawEnv): boolean {
  return env['NODE_ENV'] === 'production';
}

/**
 * Declares a property of a configuration schema as the environment variable of the same name: blank counts as
 * unset, unset takes the default, and the text is parsed before class-validator checks it. Unset with no
 * default (or in production, when `requiredInProduction`) fails with "NAME is required".
 */
export function EnvVariable<T = string>(options: EnvVariableOptions<T> = {}): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    const name = String(propertyKey);
    const own: string[] = Reflect.getOwnMetadata(VARIABLES, target.constructor) ?? [];
    Reflect.defineMetadata(VARIABLES, [...own, name], target.constructor);
    Expose()(target, propertyKey);
    Transform(
      ({ obj }: { obj: RawEnv }) => {
        const raw = obj[name];
        const text =
          typeof raw === 'string' ? raw.trim() : raw === undefined || raw === null ? '' : String(raw);
        if (text !== '') return options.parse ? options.parse(text) : text;
        if (options.requiredInProduction && isProduction(obj)) return undefined;
        const fallback = typeof options.default === 'function' ? options.default(obj) : options.default;
        return fallback === undefined ? undefined : options.parse ? options.parse(fallback) : fallback;
      },
      { toClassOnly: true },
    )(target, propertyKey);
    if (options.optional) return;
    IsDefined({
      message: (args: ValidationArguments) =>
        options.requiredInProduction && isProduction(args.object as RawEnv)
          ? `${args.property} is required when NODE_ENV=production`
          : `${args.property} is required`,
    })(target, propertyKey);
  };
}

/** The variables a schema declares (its own and its parents'), in declaration order: what an .env example lists. */
export function envVariableNames(schema: abstract new () => object): string[] {
  const names: string[] = [];
  for (let type: unknown = schema; typeof type === 'function' && type !== Function.prototype;) {
    names.unshift(...((Reflect.getOwnMetadata(VARIABLES, type) as string[] | undefined) ?? []));
    type = Object.getPrototypeOf(type);
  }
  return [...new Set(names)];
}

/**
 * The validate function for `ConfigModule.forRoot({ validate })`, after the Nest documentation's pattern:
 * class-transformer reads and parses the schema's variables (nothing else), class-validator checks them, and the
 * first problem of each variable ends up in one InvalidConfigurationError.
 */
export function validateEnv<T extends object>(schema: new () => T, env: RawEnv, only?: readonly string[]): T {
  const config = plainToInstance(schema, env, { excludeExtraneousValues: true, exposeUnsetFields: true });
  const errors = validateSync(config, { stopAtFirstError: true, forbidUnknownValues: true });
  const problems = flatten(errors)
    .filter((error) => !only || only.includes(error.property))
    .map((error) => Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`);
  if (problems.length > 0) throw new InvalidConfigurationError(problems);
  return config;
}

function flatten(errors: ValidationError[]): ValidationError[] {
  return errors.flatMap((error) => [error, ...flatten(error.children ?? [])]).filter((e) => e.constraints);
}
