import { SubmitTradeRequest, TRADE_FIELD_RULES } from '@lotwise/contracts';
import { IsLotwiseDecimal } from '@lotwise/server-core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsISO8601, IsString, Matches, ValidateIf } from 'class-validator';

// Optional fields may be left out; an explicit null is refused like any other wrong type.
const IsAbsentOr = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

const upperCase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

export class SubmitTradeDto implements SubmitTradeRequest {
  @ApiProperty({
    example: 'AAPL',
    description: "1–16 characters of A–Z, 0–9, '.', '-'; lower case is upper-cased",
  })
  @Transform(upperCase)
  @IsDefined({ message: 'symbol is required' })
  @IsString({ message: 'symbol must be a string' })
  @Matches(TRADE_FIELD_RULES.symbolPattern, {
    message: "symbol must be 1-16 characters of A-Z, 0-9, '.' or '-'",
  })
  symbol!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: '100',
    description: 'Signed quantity: positive buys, negative sells. Non-zero, at most 18 fractional digits.',
  })
  @IsDefined({ message: 'qty is required' })
  @IsLotwiseDecimal('nonZero')
  qty!: string | number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'number' }],
    example: '150.25',
    description: 'Price per unit, greater than 0, at most 18 fractional digits.',
  })
  @IsDefined({ message: 'price is required' })
  @IsLotwiseDecimal('positive')
  price!: string | number;

  @ApiPropertyOptional({
    example: '2026-11-25T14:30:00.000Z',
    description:
      'When the trade was executed (ISO-8601 with a time zone). Defaults to the time the api received it.',
  })
  @IsAbsentOr()
  @IsString({ message: 'executedAt must be an ISO-8601 timestamp string' })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'executedAt must be an ISO-8601 timestamp' })
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/, {
    message: 'executedAt must include a time and a time zone, e.g. 2026-11-25T14:30:00Z',
  })
  executedAt?: string;

  @ApiPropertyOptional({ example: 'default', description: "1–64 characters of A–Z, a–z, 0–9, '_', '-'" })
  @IsAbsentOr()
  @IsString({ message: 'account must be a string' })
  @Matches(TRADE_FIELD_RULES.accountPattern, {
    message: "account must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
  })
  account?: string;

  @ApiPropertyOptional({
    example: 'order-2026-11-25-0001',
    description:
      'Your idempotency key (1–128 printable characters): resending it with the same body returns the same trade.',
  })
  @IsAbsentOr()
  @IsString({ message: 'clientTradeId must be a string' })
  @Matches(/^[\x20-\x7E]{1,128}$/, { message: 'clientTradeId must be 1-128 printable ASCII characters' })
  clientTradeId?: string;
}
