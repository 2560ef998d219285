import { LotwiseStreamEvent, TRADE_FIELD_RULES } from '@lotwise/contracts';
import { Controller, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { filter, interval, map, merge, Observable, takeUntil } from 'rxjs';
import { TradeEventsService } from './trade-events.service';

const HEARTBEAT_MS = 15_000;

export class EventsQueryDto {
  @ApiPropertyOptional({ example: 'default', description: 'Only events of this account (default: all)' })
  @IsOptional()
  @Matches(TRADE_FIELD_RULES.accountPattern, {
    message: "account must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'",
  })
  account?: string;
}

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly events: TradeEventsService) {}

  @Sse()
  @ApiOperation({
    summary: 'Live trade outcomes (Server-Sent Events)',
    description:
      'Each event is JSON: {type:"trade.submitted",trade} when the api accepts a trade, {type:"trade.settled",settlement} ' +
      'when the matcher has committed its outcome, and {type:"heartbeat",at} every 15 s. After a reconnect, re-read ' +
      'the resources: events missed while disconnected are not replayed.',
  })
  @ApiOkResponse({ description: 'text/event-stream' })
  stream(@Query() query: EventsQueryDto): Observable<MessageEvent> {
    const live = this.events.stream.pipe(
      filter((event) => !query.account || accountOf(event) === query.account),
    );
    const heartbeat = interval(HEARTBEAT_MS).pipe(
      map((): LotwiseStreamEvent => ({ type: 'heartbeat', at: new Date().toISOString() })),
    );
    // The stream ends when the api shuts down (the browser's EventSource reconnects to another instance).
    return merge(live, heartbeat).pipe(
      map((data) => ({ data, type: 'message' })),
      takeUntil(this.events.closed),
    );
  }
}

function accountOf(event: LotwiseStreamEvent): string | null {
  if (event.type === 'trade.submitted') return event.trade.account;
  if (event.type === 'trade.settled') return event.settlement.account;
  return null;
}
