import { ModuleMetadata } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { configureApp } from '../app/configure-app';

export interface HttpResult {
  status: number;
  body: unknown;
}

/** A Nest app with the production HTTP pipeline (configureApp) on an ephemeral port, for controller specs. */
export interface HttpTestApp {
  app: NestExpressApplication;
  baseUrl: string;
  getJson(path: string): Promise<HttpResult>;
  /** A string body is sent verbatim, so malformed JSON can be tested. */
  postJson(path: string, body: unknown): Promise<HttpResult>;
  close(): Promise<void>;
}

export async function startHttpTestApp(metadata: ModuleMetadata): Promise<HttpTestApp> {
  const moduleRef = await Test.createTestingModule(metadata)
    .setLogger({ log: () => undefined, warn: () => undefined, error: () => undefined })
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
  configureApp(app);
  await app.init();
  await app.listen(0);
  const baseUrl = await app.getUrl();
  const read = async (response: Response): Promise<HttpResult> => {
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return {
    app,
    baseUrl,
    getJson: async (path) => read(await fetch(`${baseUrl}${path}`)),
    postJson: async (path, body) =>
      read(
        await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    close: () => app.close(),
  };
}
