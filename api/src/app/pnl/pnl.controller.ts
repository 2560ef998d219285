import { PnlResponse, RealizedPnlEntry, SymbolPnlTotal } from '@lotwise/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { BooksQueryDto } from '../positions/positions.dto';
import { ApiErrorDto } from '../trades/dto/trade.dto';
import { PnlService } from './pnl.service';

class RealizedPnlEntryDto implements RealizedPnlEntry {
  @ApiProperty({ example: '1' }) id!: string;
  @ApiProperty({ example: 'default' }) account!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '80' }) qty!: string;
  @ApiProperty({ example: '150' }) buyPrice!: string;
  @ApiProperty({ example: '170' }) sellPrice!: string;
  @ApiProperty({ example: '1600' }) realizedPnl!: string;
  @ApiProperty({ example: '1' }) lotId!: string;
  @ApiProperty({ example: '3' }) sellTradeId!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.000Z' }) createdAt!: string;
}

class SymbolPnlTotalDto implements SymbolPnlTotal {
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '1600' }) realizedPnl!: string;
}

class PnlResponseDto implements PnlResponse {
  @ApiProperty({ type: [RealizedPnlEntryDto] }) entries!: RealizedPnlEntry[];
  @ApiProperty({ type: [SymbolPnlTotalDto] }) totals!: SymbolPnlTotal[];
  @ApiProperty({ example: '1600' }) total!: string;
}

@ApiTags('books')
@Controller('pnl')
export class PnlController {
  constructor(private readonly pnl: PnlService) {}

  @Get()
  @ApiOperation({
    summary: 'Realized P&L entries (one per lot a sell consumed), totals per symbol and overall',
  })
  @ApiOkResponse({ type: PnlResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  get(@Query() query: BooksQueryDto): Promise<PnlResponse> {
    return this.pnl.get(query.account, query.symbol);
  }
}
