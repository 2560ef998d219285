import { PositionsResponse } from '@lotwise/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../trades/dto/trade.dto';
import { BooksQueryDto, PositionsResponseDto } from './positions.dto';
import { PositionsService } from './positions.service';

@ApiTags('books')
@Controller('positions')
export class PositionsController {
  constructor(private readonly positions: PositionsService) {}

  @Get()
  @ApiOperation({ summary: 'Open positions with their open lots in FIFO order' })
  @ApiOkResponse({ type: PositionsResponseDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  list(@Query() query: BooksQueryDto): Promise<PositionsResponse> {
    return this.positions.list(query.account, query.symbol);
  }
}
