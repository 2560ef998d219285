import {
  BOOKS_PAGE_LIMIT,
  ListLotsQuery,
  ListPositionsQuery,
  Lot,
  LotPage,
  Position,
  PositionPage,
  TRADE_FIELD_RULES,
} from '@lotwise/contracts';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';

const ACCOUNT_MESSAGE = "account must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'";
const SYMBOL_MESSAGE = "symbol must be 1-16 characters of A-Z, 0-9, '.' or '-'";

const upperCase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toUpperCase() : value;

/** `limit` of every book read: a whole number from 1 to BOOKS_PAGE_LIMIT.max. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: 1,
      maximum: BOOKS_PAGE_LIMIT.max,
      default: BOOKS_PAGE_LIMIT.default,
      description: 'Page size',
    }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: 'limit must be a whole number' }),
    Min(1, { message: 'limit must be at least 1' }),
    Max(BOOKS_PAGE_LIMIT.max, { message: `limit must be at most ${BOOKS_PAGE_LIMIT.max}` }),
  );
}

/** Optional account and symbol filters, shared by `GET /positions` and `GET /pnl`. */
export class BooksQueryDto {
  @ApiPropertyOptional({ example: 'default', description: 'Only this account (default: all accounts)' })
  @IsOptional()
  @Matches(TRADE_FIELD_RULES.accountPattern, { message: ACCOUNT_MESSAGE })
  account?: string;

  @ApiPropertyOptional({ example: 'AAPL', description: 'Only this symbol (upper-cased)' })
  @IsOptional()
  @Transform(upperCase)
  @Matches(TRADE_FIELD_RULES.symbolPattern, { message: SYMBOL_MESSAGE })
  symbol?: string;
}

/** A position cursor is `account:symbol` of the last row of the previous page (':' is in neither). */
export const POSITION_CURSOR = /^([A-Za-z0-9_-]{1,64}):([A-Z0-9.-]{1,16})$/;

export class ListPositionsQueryDto extends BooksQueryDto implements ListPositionsQuery {
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({ example: 'default:AAPL', description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(POSITION_CURSOR, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

/** The position whose lots are read: `/positions/:account/:symbol/lots`. */
export class PositionParamsDto {
  @ApiProperty({ example: 'default' })
  @Matches(TRADE_FIELD_RULES.accountPattern, { message: ACCOUNT_MESSAGE })
  account!: string;

  @ApiProperty({ example: 'AAPL', description: 'Upper-cased' })
  @Transform(upperCase)
  @Matches(TRADE_FIELD_RULES.symbolPattern, { message: SYMBOL_MESSAGE })
  symbol!: string;
}

/**
 * A lot cursor is the last lot's FIFO key: its execution time to the microsecond (PostgreSQL's precision,
 * finer than a JS Date) and its trade id, e.g. `2026-11-25T14:30:00.000000Z_17`.
 */
const LOT_CURSOR = /^([1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_(\d{1,18})$/;

export interface LotCursor {
  /** ISO-8601 UTC with microseconds. */
  executedAt: string;
  tradeId: string;
}

/** The FIFO key a lot cursor names, or null when it is not one (e.g. 2026-02-30 or 25:00). */
export function parseLotCursor(cursor: string): LotCursor | null {
  const match = LOT_CURSOR.exec(cursor);
  const executedAt = match?.[1];
  const tradeId = match?.[2];
  if (executedAt === undefined || tradeId === undefined) return null;
  // Date rolls an impossible day or hour over to the next one, so a round trip tells them apart.
  const millis = `${executedAt.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis ? { executedAt, tradeId } : null;
}

/** Formats the cursor of a lot from its FIFO key, as parseLotCursor reads it. */
export function lotCursor(key: LotCursor): string {
  return `${key.executedAt}_${key.tradeId}`;
}

function IsLotCursor(): PropertyDecorator {
  return ValidateBy({
    name: 'isLotCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseLotCursor(value) !== null,
      defaultMessage: () => 'cursor must be the nextCursor of a previous page',
    },
  });
}

export class ListLotsQueryDto implements ListLotsQuery {
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({
    example: '2026-11-25T14:30:00.000000Z_17',
    description: 'The nextCursor of the previous page',
  })
  @IsOptional()
  @IsLotCursor()
  cursor?: string;
}

export class LotDto implements Lot {
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: '1' }) tradeId!: string;
  @ApiProperty({ example: '100' }) qty!: string;
  @ApiProperty({ example: '20' }) remainingQty!: string;
  @ApiProperty({ example: '150' }) price!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.000Z', description: "The buy's execution time" })
  openedAt!: string;
}

export class LotPageDto implements LotPage {
  @ApiProperty({ type: [LotDto], description: 'Oldest first (FIFO): the order sells consume them' })
  items!: Lot[];
  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T14:30:00.000000Z_17' })
  nextCursor!: string | null;
}

export class PositionDto implements Position {
  @ApiProperty({ example: 'default' }) account!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '70', description: 'Σ remaining quantity of the open lots' }) quantity!: string;
  @ApiProperty({ example: '11000', description: 'Σ remaining quantity × price of the open lots' })
  costBasis!: string;
  @ApiProperty({
    example: '157.142857142857142857',
    description: 'costBasis / quantity, rounded half-even to 18 fractional digits',
  })
  averageCost!: string;
}

export class PositionPageDto implements PositionPage {
  @ApiProperty({ type: [PositionDto], description: 'Ordered by account, then symbol' })
  items!: Position[];
  @ApiProperty({ type: String, nullable: true, example: 'default:AAPL' })
  nextCursor!: string | null;
}
