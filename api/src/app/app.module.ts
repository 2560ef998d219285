import { HealthModule } from '@lotwise/server-core';
import { postgresSettingsFromEnv, typeOrmOptions } from '@lotwise/server-data';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PnlModule } from './pnl/pnl.module';
import { PositionsModule } from './positions/positions.module';
import { TradesModule } from './trades/trades.module';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => typeOrmOptions(postgresSettingsFromEnv(), 'lotwise-api'),
    }),
    HealthModule,
    TradesModule,
    PositionsModule,
    PnlModule,
  ],
})
export class AppModule {}
