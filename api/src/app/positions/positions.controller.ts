import { BOOKS_PAGE_LIMIT, LotPage, PositionPage } from '@lotwise/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../trades/dto/trade.dto';
import {
  ListLotsQueryDto,
  ListPositionsQueryDto,
  LotPageDto,
  PositionPageDto,
  PositionParamsDto,
} from './positions.dto';
import { PositionsService } from './positions.service';

const PAGING = `At most \`limit\` items (default ${BOOKS_PAGE_LIMIT.default}, at most ${BOOKS_PAGE_LIMIT.max}); pass \`nextCursor\` as \`cursor\` for the next page, null means there is none.`;

@ApiTags('books')
@Controller('positions')
export class PositionsController {
  constructor(private readonly positions: PositionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Open positions (quantity, cost basis, average cost), ordered by account and symbol',
    description: `${PAGING} Lots are read per position: GET /positions/{account}/{symbol}/lots.`,
  })
  @ApiOkResponse({ type: PositionPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  list(@Query() query: ListPositionsQueryDto): Promise<PositionPage> {
    return this.positions.list(query);
  }

  @Get(':account/:symbol/lots')
  @ApiOperation({
    summary: "One position's open lots in FIFO order (the order sells consume them)",
    description: `${PAGING} An unknown or closed position answers an empty page.`,
  })
  @ApiParam({ name: 'account', example: 'default' })
  @ApiParam({ name: 'symbol', example: 'AAPL', description: 'Upper-cased' })
  @ApiOkResponse({ type: LotPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  lots(@Param() position: PositionParamsDto, @Query() query: ListLotsQueryDto): Promise<LotPage> {
    return this.positions.lots(position.account, position.symbol, query);
  }
}
