import { Trade, TradePage } from '@lotwise/contracts';
import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorDto, TradeDto, TradePageDto } from './dto/trade.dto';
import { ListTradesQueryDto } from './dto/list-trades-query.dto';
import { SubmitTradeDto } from './dto/submit-trade.dto';
import { TradesService } from './trades.service';

@ApiTags('trades')
@Controller('trades')
export class TradesController {
  constructor(private readonly trades: TradesService) {}

  @Post()
  @ApiOperation({
    summary: 'Record a trade',
    description:
      'Positive qty buys (opens a lot), negative qty sells (closes the oldest lots first). The trade is recorded ' +
      'durably and answered with 202 PENDING; the matcher settles it to APPLIED or REJECTED shortly after.',
  })
  @ApiAcceptedResponse({ type: TradeDto, description: 'Recorded; will be matched.' })
  @ApiOkResponse({
    type: TradeDto,
    description: 'Same account + clientTradeId and body as before: the existing trade.',
  })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'Invalid input; each message names the field.' })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'clientTradeId reused with a different body.' })
  @ApiPayloadTooLargeResponse({ type: ApiErrorDto, description: 'Body over 64 KB.' })
  async submit(@Body() body: SubmitTradeDto, @Res({ passthrough: true }) res: Response): Promise<Trade> {
    const { trade, created } = await this.trades.submit(body);
    res.status(created ? HttpStatus.ACCEPTED : HttpStatus.OK);
    return trade;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One trade with its status (and rejectReason when rejected)' })
  @ApiOkResponse({ type: TradeDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param('id') id: string): Promise<Trade> {
    return this.trades.get(id);
  }

  @Get()
  @ApiOperation({ summary: 'Trade history, newest first, paginated with nextCursor' })
  @ApiOkResponse({ type: TradePageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  list(@Query() query: ListTradesQueryDto): Promise<TradePage> {
    return this.trades.list(query);
  }
}
