import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { OutboxModule } from '../outbox/outbox.module';
import { TradesController } from './trades.controller';
import { TradesService } from './trades.service';

@Module({
  imports: [OutboxModule, EventsModule],
  controllers: [TradesController],
  providers: [TradesService],
})
export class TradesModule {}
