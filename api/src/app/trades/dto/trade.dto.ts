import { ApiErrorBody, Trade, TradePage, TradeStatus } from '@lotwise/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response schemas for OpenAPI only; the api returns the contract interfaces.

export class TradeDto implements Trade {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'default' }) account!: string;
  @ApiProperty({ example: 'AAPL' }) symbol!: string;
  @ApiProperty({ example: '-80', description: 'Signed decimal string' }) qty!: string;
  @ApiProperty({ example: '170', description: 'Decimal string' }) price!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.000Z' }) executedAt!: string;
  @ApiProperty({ example: '2026-11-25T14:30:00.120Z' }) receivedAt!: string;
  @ApiProperty({ enum: Object.values(TradeStatus), example: TradeStatus.Pending }) status!: TradeStatus;
  @ApiPropertyOptional({ example: 'insufficient quantity: open 10, sell 15' }) rejectReason?: string;
  @ApiPropertyOptional({ example: 'order-0001' }) clientTradeId?: string;
}

export class TradePageDto implements TradePage {
  @ApiProperty({ type: [TradeDto] }) items!: Trade[];
  @ApiProperty({ type: String, nullable: true, example: '17' }) nextCursor!: string | null;
}

export class ApiErrorDto implements ApiErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['qty must not be 0'],
  })
  message!: string | string[];
  @ApiProperty({ example: 'Bad Request' }) error!: string;
}
