import { REQUEST_ID_HEADER } from '@lotwise/server-core';
import { BadRequestException, INestApplication, PayloadTooLargeException } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { StrictValidationPipe } from './strict-validation.pipe';

export interface AppOptions {
  /** Browser origins allowed by CORS (CORS_ORIGINS); the dashboard's by default. */
  corsOrigins?: string[];
}

/** Everything main.ts sets up on the app, shared with the tests so they exercise the same pipeline. */
export function configureApp(app: NestExpressApplication, options: AppOptions = {}): INestApplication {
  app.useBodyParser('json', { limit: '64kb' });
  // body-parser's own errors become Nest exceptions, so they carry the usual { statusCode, message, error }.
  app.use((error: unknown, _req: unknown, _res: unknown, next: (error?: unknown) => void) => {
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.too.large') return next(new PayloadTooLargeException('request body is over 64 KB'));
    if (type === 'entity.parse.failed') {
      return next(new BadRequestException([`body is not valid JSON: ${(error as Error).message}`]));
    }
    return next(error);
  });
  app.use(
    helmet({
      // Swagger UI at /docs runs inline scripts; everything else keeps helmet's defaults.
      contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"] } },
    }),
  );
  app.enableCors({
    origin: options.corsOrigins ?? ['http://localhost:3000'],
    // Browsers may read the request id, to quote it when reporting a problem.
    exposedHeaders: [REQUEST_ID_HEADER],
  });
  app.useGlobalPipes(
    new StrictValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lotwise api')
      .setDescription(
        'Record trades and read the FIFO books. Decimals are strings in every response; requests may send numbers or strings.',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
