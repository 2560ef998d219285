import { TRADE_FIELD_RULES, TradeSubmittedEvent } from '@lotwise/contracts';
import { IsLotwiseDecimal } from '@lotwise/server-core';
import { Equals, IsISO8601, IsString, Matches } from 'class-validator';

export class TradeSubmittedEventDto implements TradeSubmittedEvent {
  @Equals(1, { message: 'eventVersion must be 1' })
  eventVersion!: 1;

  @IsString()
  @Matches(/^\d{1,18}$/, { message: 'tradeId must be a trade id' })
  tradeId!: string;

  @IsString()
  @Matches(TRADE_FIELD_RULES.accountPattern, { message: 'account is invalid' })
  account!: string;

  @IsString()
  @Matches(TRADE_FIELD_RULES.symbolPattern, { message: 'symbol is invalid' })
  symbol!: string;

  @IsString()
  @IsLotwiseDecimal('nonZero')
  qty!: string;

  @IsString()
  @IsLotwiseDecimal('positive')
  price!: string;

  @IsISO8601({ strict: true })
  executedAt!: string;

  @IsISO8601({ strict: true })
  receivedAt!: string;
}
