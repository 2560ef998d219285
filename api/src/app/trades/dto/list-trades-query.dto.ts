import { ListTradesQuery, TRADE_FIELD_RULES, TradeStatus } from '@lotwise/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class ListTradesQueryDto implements ListTradesQuery {
  @ApiPropertyOptional({ example: 'default' })
  @IsOptional()
  @Matches(TRADE_FIELD_RULES.accountPattern, {
    message: "account must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
  })
  account?: string;

  @ApiPropertyOptional({ example: 'AAPL' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  )
  @Matches(TRADE_FIELD_RULES.symbolPattern, {
    message: "symbol must be 1-16 characters of A-Z, 0-9, '.' or '-'",
  })
  symbol?: string;

  @ApiPropertyOptional({ enum: Object.values(TradeStatus) })
  @IsOptional()
  @IsIn(Object.values(TradeStatus), {
    message: `status must be one of ${Object.values(TradeStatus).join(', ')}`,
  })
  status?: TradeStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(200, { message: 'limit must be at most 200' })
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}
