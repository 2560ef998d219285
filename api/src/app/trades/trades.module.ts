import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { OutboxModule } from '../outbox/outbox.module';
import { TradesController } from './trades.controller';
import { TradeWriter } from './trade-writer';
import { TradesService } from './trades.service';

@Module({
  imports: [OutboxModule, EventsModule],
  controllers: [TradesController],
  providers: [TradesService, TradeWriter],
})
export class TradesModule {}
