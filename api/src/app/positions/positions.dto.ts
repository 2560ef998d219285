import { Lot, Position, PositionsResponse, TRADE_FIELD_RULES } from '@lotwise/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

export class BooksQueryDto {
  @ApiPropertyOptional({ example: 'default', description: 'Only this account (default: all accounts)' })
  @IsOptional()
  @Matches(TRADE_FIELD_RULES.accountPattern, {
    message: "account must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
  })
  account?: string;

  @ApiPropertyOptional({ example: 'AAPL', description: 'Only this symbol' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  )
  @Matches(TRADE_FIELD_RULES.symbolPattern, {
    message: "symbol must be 1-16 characters of A-Z, 0-9, '.' or '-'",
  })
  symbol?: string;
}

export class LotDto implements Lot {
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: '1' }) tradeId!: string;
  @ApiProperty({ example: '100' }) qty!: string;
  @ApiProperty({ example: '20' }) remainingQty!: string;
  @ApiProperty({ example: '150' }) price!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.000Z' }) openedAt!: string;
}

export class PositionDto implements Position {
  @ApiProperty({ example: 'default' }) account!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '70' }) quantity!: string;
  @ApiProperty({ example: '11000' }) costBasis!: string;
  @ApiProperty({ example: '157.142857142857142857' }) averageCost!: string;
  @ApiProperty({ type: [LotDto] }) lots!: Lot[];
}

export class PositionsResponseDto implements PositionsResponse {
  @ApiProperty({ type: [PositionDto] }) positions!: Position[];
}
