import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { TradesController } from './trades.controller';
import { TradesService } from './trades.service';

@Module({
  imports: [OutboxModule],
  controllers: [TradesController],
  providers: [TradesService],
})
export class TradesModule {}
