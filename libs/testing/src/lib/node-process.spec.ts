import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, startNodeScript, stopProcess, waitForHttp } from './node-process';

// Real child processes: small scripts written to a temporary folder.
describe('node processes', () => {
  let root: string;
  let logDir: string;
  const started: NodeProcess[] = [];

  const script = (name: string, source: string): string => {
    writeFileSync(join(root, name), source);
    return name;
  };
  const start = (
    name: string,
    source: string,
    extra: { env?: NodeJS.ProcessEnv; output?: 'pipe' | 'file' } = {},
  ) => {
    const app = startNodeScript({ name, root, script: script(`${name}.js`, source), logDir, ...extra });
    started.push(app);
    return app;
  };
  // Lines printed once the handlers are installed, so a signal sent after them is handled.
  const READY = `process.stdout.write('ready\\n');`;
  const logged = (app: NodeProcess, text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + 5000;
      const check = (): void => {
        // The piped log is opened asynchronously: it may not exist yet.
        if (existsSync(app.logFile) && readFileSync(app.logFile, 'utf8').includes(text)) resolve();
        else if (Date.now() > deadline) reject(new Error(`${app.name} never logged ${text}`));
        else setTimeout(check, 20);
      };
      check();
    });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'lotwise-testing-'));
    logDir = join(root, 'logs');
  });

  afterAll(async () => {
    await Promise.all(started.map((app) => stopProcess(app, 'SIGKILL')));
    rmSync(root, { recursive: true, force: true });
  });

  describe('startNodeScript', () => {
    it.each(['pipe', 'file'] as const)(
      'runs the script in root with the extra env and logs stdout and stderr (%s)',
      async (output) => {
        const app = start(
          `env-${output}`,
          `console.log('cwd', process.cwd()); console.error('value', process.env.LOTWISE_TEST_VALUE); process.exit(3);`,
          { env: { LOTWISE_TEST_VALUE: 'from-env' }, output },
        );

        expect(await app.exited).toBe(3);
        await logged(app, 'value from-env');
        expect(readFileSync(app.logFile, 'utf8')).toContain(`cwd ${root}`);
        expect(app.logFile).toBe(join(logDir, `env-${output}.log`));
      },
    );

    it('starts the log afresh unless asked to append', async () => {
      const source = `console.log('run', process.env.RUN);`;
      await start('append', source, { env: { RUN: 'one' } }).exited;
      await start('append', source, { env: { RUN: 'two' } }).exited;
      const appended = startNodeScript({
        name: 'append',
        root,
        script: 'append.js',
        logDir,
        env: { RUN: 'three' },
        output: 'file',
        appendLog: true,
      });
      await appended.exited;

      expect(readFileSync(appended.logFile, 'utf8')).toBe('run two\nrun three\n');
    });
  });

  describe('stopProcess', () => {
    it('ends a process with SIGTERM and waits for its exit', async () => {
      const app = start('term', `setInterval(() => undefined, 1000); ${READY}`);
      await logged(app, 'ready');

      await stopProcess(app);

      expect(app.child.signalCode).toBe('SIGTERM');
      expect(await app.exited).toBe('SIGTERM');
    });

    it('falls back to SIGKILL when the process ignores the signal', async () => {
      const app = start(
        'stubborn',
        `process.on('SIGTERM', () => undefined); setInterval(() => undefined, 1000); ${READY}`,
      );
      await logged(app, 'ready');
      const startedAt = Date.now();

      await stopProcess(app, 'SIGTERM', 300);

      expect(await app.exited).toBe('SIGKILL');
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    });

    it('does nothing for a missing or finished process', async () => {
      const app = start('finished', `process.exit(0);`);
      await app.exited;
      const kill = jest.spyOn(app.child, 'kill');

      await stopProcess(app);
      await stopProcess(undefined);

      expect(kill).not.toHaveBeenCalled();
    });
  });

  describe('waitForHttp', () => {
    let server: Server;
    let url: string;
    let status = 503;

    beforeAll(async () => {
      server = createServer((_request, response) => response.writeHead(status).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('takes any answer as ready unless a 2xx is required', async () => {
      status = 503;
      const app = start('listener', `setInterval(() => undefined, 1000);`);

      await expect(
        waitForHttp(app, { what: 'the health route', url, requireOk: false }),
      ).resolves.toBeUndefined();
      await expect(
        waitForHttp(app, { what: 'a healthy answer', url, requireOk: true, timeoutMs: 300 }),
      ).rejects.toThrow('timed out after 300 ms waiting for a healthy answer');

      const ready = waitForHttp(app, { what: 'a healthy answer', url, requireOk: true, timeoutMs: 5000 });
      setTimeout(() => (status = 200), 300);
      await expect(ready).resolves.toBeUndefined();
    });

    it('fails at once, naming the log, when the process has exited', async () => {
      const app = start('crashed', `process.exit(1);`);
      await app.exited;

      await expect(waitForHttp(app, { what: 'the crashed app', url, requireOk: false })).rejects.toThrow(
        `crashed exited with 1; see ${app.logFile}`,
      );
    });

    it('times out naming what it waited for while nothing listens', async () => {
      const app = start('silent', `setInterval(() => undefined, 1000);`);

      await expect(
        waitForHttp(app, {
          what: 'silent on :1',
          url: 'http://127.0.0.1:1/',
          requireOk: false,
          timeoutMs: 300,
        }),
      ).rejects.toThrow('timed out after 300 ms waiting for silent on :1');
    });
  });
});
