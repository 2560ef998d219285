import { ListPnlQuery, PnlPage, RealizedPnlEntry, SymbolPnlTotal } from '@lotwise/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { BooksQueryDto, PageLimit } from '../positions/positions.dto';

export class ListPnlQueryDto extends BooksQueryDto implements ListPnlQuery {
  @PageLimit()
  limit?: number;

  @ApiPropertyOptional({ example: '17', description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class RealizedPnlEntryDto implements RealizedPnlEntry {
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: 'default' }) account!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '80' }) qty!: string;
  @ApiProperty({ example: '150' }) buyPrice!: string;
  @ApiProperty({ example: '170' }) sellPrice!: string;
  @ApiProperty({ example: '1600', description: '(sellPrice − buyPrice) × qty' }) realizedPnl!: string;
  @ApiProperty({ example: '1', description: 'The lot the sell consumed' }) lotId!: string;
  @ApiProperty({ example: '3' }) sellTradeId!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.000Z', description: 'When the sell was executed' })
  executedAt!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.120Z', description: 'When the matcher booked the entry' })
  createdAt!: string;
}

export class SymbolPnlTotalDto implements SymbolPnlTotal {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '1600' }) realizedPnl!: string;
}

export class PnlPageDto implements PnlPage {
  @ApiProperty({ type: [RealizedPnlEntryDto], description: 'Newest first (by id)' })
  items!: RealizedPnlEntry[];
  @ApiProperty({ type: String, nullable: true, example: '17' }) nextCursor!: string | null;
  @ApiProperty({
    type: [SymbolPnlTotalDto],
    description: 'Per symbol over every entry the filters match (not only this page), in symbol order',
  })
  totals!: SymbolPnlTotal[];
  @ApiProperty({ example: '1600', description: 'Over every entry the filters match' }) total!: string;
}
