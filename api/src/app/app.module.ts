import { HealthModule, ServerConfigModule, ServerLoggerModule } from '@lotwise/server-core';
import { postgresSettingsFromConfig, typeOrmOptions } from '@lotwise/server-data';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_ENV_FILE, ApiEnv } from './config/api-env';
import { HttpShutdownService } from './http-shutdown.service';
import { OutboxHealthIndicator } from './outbox/outbox-health.indicator';
import { OutboxModule } from './outbox/outbox.module';
import { PnlModule } from './pnl/pnl.module';
import { PositionsModule } from './positions/positions.module';
import { TradesModule } from './trades/trades.module';

@Module({
  imports: [
    ServerConfigModule.forRoot({ schema: ApiEnv, envFilePath: API_ENV_FILE }),
    ServerLoggerModule.forRoot({ service: 'lotwise-api', logRequests: true }),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) =>
        typeOrmOptions(postgresSettingsFromConfig(config), 'lotwise-api'),
    }),
    HealthModule.forRoot({ imports: [OutboxModule], indicators: [OutboxHealthIndicator] }),
    TradesModule,
    PositionsModule,
    PnlModule,
  ],
  providers: [HttpShutdownService],
})
export class AppModule {}
