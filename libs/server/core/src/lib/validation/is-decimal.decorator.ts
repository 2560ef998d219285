import { DecimalSign, parseDecimal } from '@lotwise/lot-engine';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/**
 * A decimal given as a JSON string or number, within Lotwise's limits (20 integer, 18 fractional
 * digits). The message names the field and says what is wrong, e.g. "qty must be greater than 0".
 */
export function IsLotwiseDecimal(sign: DecimalSign, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isLotwiseDecimal',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [sign],
      options,
      validator: {
        validate(value: unknown): boolean {
          return (typeof value === 'string' || typeof value === 'number') && parseDecimal(value, { sign }).ok;
        },
        defaultMessage(args: ValidationArguments): string {
          const value: unknown = args.value;
          if (typeof value !== 'string' && typeof value !== 'number') {
            return `${args.property} must be a decimal number or a string holding one`;
          }
          const result = parseDecimal(value, { sign });
          return `${args.property} ${result.ok ? 'is invalid' : result.reason}`;
        },
      },
    });
  };
}
