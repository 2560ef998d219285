import { HealthModule } from '@lotwise/server-core';
import { postgresSettingsFromEnv, typeOrmOptions } from '@lotwise/server-data';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { MatchingModule } from './matching/matching.module';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      useFactory: () => typeOrmOptions(postgresSettingsFromEnv(), 'lotwise-matcher'),
    }),
    HealthModule,
    MatchingModule,
  ],
})
export class MatcherModule {}
