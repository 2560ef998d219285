import { registerDecorator, ValidationArguments } from 'class-validator';

/** A validator whose message names the variable and quotes what it got, e.g. `PORT must be … , got "abc"`. */
function rule(name: string, expectation: string, test: (value: unknown) => boolean): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => value === undefined || test(value),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be ${expectation}, got "${offending(args.value, test)}"`,
      },
    });
  };
}

/** For a list, the first element that fails; otherwise the value itself. */
function offending(value: unknown, test: (value: unknown) => boolean): string {
  if (Array.isArray(value)) {
    const bad = value.find((item) => !test([item]));
    return String(bad ?? value.join(','));
  }
  return String(value);
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function parsePort(text: string): number | string {
  return /^\d{1,5}$/.test(text) ? Number(text) : text;
}

export function parseInteger(text: string): number | string {
  return /^\d{1,9}$/.test(text) ? Number(text) : text;
}

/** A comma list, trimmed, empty items dropped: ` a:1, b:2 ,` is `['a:1', 'b:2']`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export const IsTcpPort = () =>
  rule(
    'isTcpPort',
    'a TCP port (1-65535)',
    (value) => typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535,
  );

export const IsPositiveInteger = () =>
  rule(
    'isPositiveInteger',
    'a whole number greater than 0',
    (value) => typeof value === 'number' && Number.isInteger(value) && value > 0,
  );

export const IsBrokerList = () =>
  rule(
    'isBrokerList',
    'a comma list of host:port',
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((broker) => typeof broker === 'string' && HOST_PORT.test(broker) && portOk(broker)),
  );

export const IsOriginList = () =>
  rule(
    'isOriginList',
    'a comma list of origins such as http://localhost:3000 (scheme://host[:port], no path)',
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((origin) => typeof origin === 'string' && ORIGIN.test(origin)),
  );

export const IsOneOf = (choices: readonly string[]) =>
  rule(
    'isOneOf',
    `one of ${choices.join(', ')}`,
    (value) => typeof value === 'string' && choices.includes(value),
  );

/** A host name, an IP address or a socket directory: anything without blanks. */
export const IsHost = () =>
  rule('isHost', 'a host name or address', (value) => typeof value === 'string' && /^\S+$/.test(value));

export const IsName = (max: number) =>
  rule(
    'isName',
    `1-${max} characters without blanks`,
    (value) => typeof value === 'string' && /^\S+$/.test(value) && value.length <= max,
  );

export const IsAnyText = () => rule('isAnyText', 'text', (value) => typeof value === 'string');

function portOk(hostPort: string): boolean {
  const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
  return port >= 1 && port <= 65535;
}
