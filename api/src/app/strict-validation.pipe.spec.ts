import {
  ArgumentMetadata,
  BadRequestException,
  Body,
  Controller,
  Get,
  Post,
  Query,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { parse as parseQueryString } from 'node:querystring';
import { configureApp } from './configure-app';
import { StrictValidationPipe } from './strict-validation.pipe';

class ProbeDto {
  @IsString()
  @Matches(/^[A-Z]+$/, { message: 'symbol must be upper-case letters' })
  symbol!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  limit?: number;
}

class InnerDto {
  @IsString()
  name!: string;
}

class OuterDto {
  @ValidateNested()
  @Type(() => InnerDto)
  inner!: InnerDto;
}

/** The options configureApp gives the pipe. */
const options: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
};

/** Names every object inherits from Object.prototype, which class-validator's whitelist does not see. */
const prototypeNames = [
  'toString',
  'constructor',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__proto__',
  '__defineGetter__',
];

type Outcome = { ok: true; value: unknown } | { ok: false; status: number; response: unknown };

async function outcome(pipe: ValidationPipe, value: unknown, metadata: ArgumentMetadata): Promise<Outcome> {
  try {
    return { ok: true, value: await pipe.transform(value, metadata) };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { ok: false, status: error.getStatus(), response: error.getResponse() };
  }
}

/** A JSON body as body-parser hands it over: JSON.parse makes every key, "__proto__" included, an own key. */
function jsonBody(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** A query string as Express's default parser hands it over (an object without prototype). */
function queryObject(text: string): unknown {
  return parseQueryString(text);
}

describe('StrictValidationPipe', () => {
  let pipe: StrictValidationPipe;
  /** Nest's own pipe with the same options, for what the strict pipe should leave to it. */
  let plain: ValidationPipe;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        { provide: StrictValidationPipe, useFactory: () => new StrictValidationPipe(options) },
        { provide: ValidationPipe, useFactory: () => new ValidationPipe(options) },
      ],
    }).compile();
    pipe = moduleRef.get(StrictValidationPipe);
    plain = moduleRef.get(ValidationPipe);
  });

  const body: ArgumentMetadata = { type: 'body', metatype: ProbeDto };
  const query: ArgumentMetadata = { type: 'query', metatype: ProbeDto };

  it.each(prototypeNames)('refuses a body key named %s', async (key) => {
    const value = jsonBody(`{"symbol":"AAPL","${key}":1}`);
    await expect(outcome(pipe, value, body)).resolves.toEqual({
      ok: false,
      status: 400,
      response: { statusCode: 400, error: 'Bad Request', message: [`property ${key} should not exist`] },
    });
  });

  it.each(prototypeNames)('refuses a query parameter named %s', async (key) => {
    const value = queryObject(`symbol=AAPL&${key}=1`);
    await expect(outcome(pipe, value, query)).resolves.toEqual({
      ok: false,
      status: 400,
      response: { statusCode: 400, error: 'Bad Request', message: [`property ${key} should not exist`] },
    });
  });

  it.each(['toString', 'constructor', 'hasOwnProperty', 'valueOf'])(
    'catches %s where the plain ValidationPipe lets it through',
    async (key) => {
      const value = () => jsonBody(`{"symbol":"AAPL","${key}":1}`);
      await expect(outcome(plain, value(), body)).resolves.toMatchObject({ ok: true });
      await expect(outcome(pipe, value(), body)).resolves.toMatchObject({ ok: false, status: 400 });
    },
  );

  it('passes a body without a DTO class (typed as an interface or Object) through untouched', async () => {
    const value = jsonBody('{"anything":1,"toString":2}');
    await expect(outcome(pipe, value, { type: 'body', metatype: Object })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('still refuses an ordinary unknown key', async () => {
    await expect(outcome(pipe, { symbol: 'AAPL', foo: 1 }, body)).resolves.toMatchObject({
      ok: false,
      response: { message: ['property foo should not exist'] },
    });
  });

  it('names every unknown key at once', async () => {
    const value = jsonBody('{"foo":1,"symbol":"AAPL","toString":2,"constructor":3}');
    await expect(outcome(pipe, value, body)).resolves.toMatchObject({
      ok: false,
      response: {
        message: [
          'property foo should not exist',
          'property toString should not exist',
          'property constructor should not exist',
        ],
      },
    });
  });

  it('hands known keys to the ValidationPipe, which converts them into the DTO', async () => {
    const result = await outcome(pipe, queryObject('symbol=AAPL&limit=5'), query);
    expect(result).toEqual({ ok: true, value: { symbol: 'AAPL', limit: 5 } });
    expect(result.ok && result.value).toBeInstanceOf(ProbeDto);
  });

  it("reports the ValidationPipe's own errors for known keys", async () => {
    await expect(outcome(pipe, { symbol: 'aapl', limit: 'x' }, body)).resolves.toEqual({
      ok: false,
      status: 400,
      response: {
        statusCode: 400,
        error: 'Bad Request',
        message: ['symbol must be upper-case letters', 'limit must be an integer number'],
      },
    });
  });

  it('leaves an array body to the ValidationPipe', async () => {
    const value = () => jsonBody('[{"symbol":"AAPL","toString":1}]');
    const strict = await outcome(pipe, value(), body);
    expect(strict).toEqual(await outcome(plain, value(), body));
    expect(JSON.stringify(strict)).not.toContain('toString');
  });

  it('checks only the top-level keys of a body and leaves nested objects to the ValidationPipe', async () => {
    const nested: ArgumentMetadata = { type: 'body', metatype: OuterDto };
    const value = () => jsonBody('{"inner":{"name":"x","constructor":1}}');
    expect(await outcome(pipe, value(), nested)).toEqual(await outcome(plain, value(), nested));
    await expect(
      outcome(pipe, jsonBody('{"inner":{"name":"x"},"valueOf":1}'), nested),
    ).resolves.toMatchObject({
      ok: false,
      response: { message: ['property valueOf should not exist'] },
    });
  });

  it('leaves route parameters, custom decorators and untyped arguments alone', async () => {
    const value = () => jsonBody('{"symbol":"AAPL","toString":1}');
    await expect(outcome(pipe, value(), { type: 'custom', metatype: ProbeDto })).resolves.toEqual({
      ok: true,
      value: value(),
    });
    await expect(outcome(pipe, value(), { type: 'body', metatype: undefined })).resolves.toEqual({
      ok: true,
      value: value(),
    });
    await expect(outcome(pipe, '42', { type: 'param', metatype: String, data: 'id' })).resolves.toEqual({
      ok: true,
      value: '42',
    });
    await expect(
      outcome(pipe, 'alice', { type: 'query', metatype: String, data: 'account' }),
    ).resolves.toEqual({ ok: true, value: 'alice' });
  });
});

@Controller('probe')
class ProbeController {
  @Post()
  create(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  @Get()
  find(@Query() query: ProbeDto): ProbeDto {
    return query;
  }
}

describe('StrictValidationPipe in the app pipeline', () => {
  let app: NestExpressApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false });
    configureApp(app);
    await app.init();
    await app.listen(0);
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  async function send(path: string, body?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  function refused(key: string) {
    return {
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: [`property ${key} should not exist`] },
    };
  }

  it.each(['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__'])(
    'answers 400 to a JSON body with a key named %s',
    async (key) => {
      await expect(send('/probe', `{"symbol":"AAPL","${key}":{}}`)).resolves.toEqual(refused(key));
    },
  );

  it.each(['toString', 'constructor', 'hasOwnProperty', 'valueOf'])(
    'answers 400 to a query parameter named %s',
    async (key) => {
      await expect(send(`/probe?symbol=AAPL&${key}=1`)).resolves.toEqual(refused(key));
    },
  );

  it('answers with the converted DTO when only known keys are sent', async () => {
    await expect(send('/probe?symbol=AAPL&limit=7')).resolves.toEqual({
      status: 200,
      body: { symbol: 'AAPL', limit: 7 },
    });
    await expect(send('/probe', '{"symbol":"AAPL"}')).resolves.toEqual({
      status: 201,
      body: { symbol: 'AAPL' },
    });
  });
});
