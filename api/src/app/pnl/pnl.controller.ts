import { BOOKS_PAGE_LIMIT, PnlPage } from '@lotwise/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../trades/dto/trade.dto';
import { ListPnlQueryDto, PnlPageDto } from './pnl.dto';
import { PnlService } from './pnl.service';

@ApiTags('books')
@Controller('pnl')
export class PnlController {
  constructor(private readonly pnl: PnlService) {}

  @Get()
  @ApiOperation({
    summary:
      'Realized P&L entries (one per lot a sell consumed), newest first, with totals per symbol and overall',
    description: `At most \`limit\` entries (default ${BOOKS_PAGE_LIMIT.default}, at most ${BOOKS_PAGE_LIMIT.max}); pass \`nextCursor\` as \`cursor\` for the next page, null means there is none. The totals cover every entry the filters match, on every page.`,
  })
  @ApiOkResponse({ type: PnlPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  list(@Query() query: ListPnlQueryDto): Promise<PnlPage> {
    return this.pnl.list(query);
  }
}
