import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { TradeEventsService } from './trade-events.service';

// KafkaSettings comes from the global ServerConfigModule.
@Module({
  controllers: [EventsController],
  providers: [TradeEventsService],
  exports: [TradeEventsService],
})
export class EventsModule {}
