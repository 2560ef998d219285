import { KafkaSettings, kafkaSettingsFromEnv } from '@lotwise/server-core';
import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { TradeEventsService } from './trade-events.service';

@Module({
  controllers: [EventsController],
  providers: [TradeEventsService, { provide: KafkaSettings, useFactory: () => kafkaSettingsFromEnv() }],
  exports: [TradeEventsService],
})
export class EventsModule {}
