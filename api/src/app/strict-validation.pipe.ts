import { ArgumentMetadata, BadRequestException, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * ValidationPipe that also refuses unknown keys whose names exist on Object.prototype ("toString",
 * "constructor", ...): class-validator's whitelist does not see them as foreign, the fuzzer did.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type } = metadata;
    if (
      (type === 'body' || type === 'query') &&
      metatype &&
      this.toValidate(metadata) &&
      isPlainObject(value)
    ) {
      const known = new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(metatype, '', true, false)
          .map((m) => m.propertyName),
      );
      const unknown = Object.keys(value).filter((key) => !known.has(key));
      if (unknown.length > 0) {
        throw new BadRequestException(unknown.map((key) => `property ${key} should not exist`));
      }
    }
    return super.transform(value, metadata);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
