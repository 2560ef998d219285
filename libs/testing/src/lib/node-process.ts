import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './wait';

/** A Node script started by `startNodeScript`. */
export interface NodeProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code, or with the signal that ended the process. */
  readonly exited: Promise<number | string | null>;
}

export interface StartNodeScriptOptions {
  /** Names the process in messages and its log, `<logDir>/<name>.log`. */
  readonly name: string;
  /** The working directory; `script` is relative to it (e.g. `dist/api/main.js`). */
  readonly root: string;
  readonly script: string;
  readonly logDir: string;
  /** Set on top of this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * `'pipe'` (default): stdout and stderr reach the log through this process, and the child loses them if
   * this process dies. `'file'`: the child writes to the log itself, so this process does no work for it
   * (what a measurement wants).
   */
  readonly output?: 'pipe' | 'file';
  /** Add to an existing log instead of starting it afresh. */
  readonly appendLog?: boolean;
}

/** Starts `node --enable-source-maps <root>/<script>` with its output in a log file. */
export function startNodeScript(options: StartNodeScriptOptions): NodeProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${options.name}.log`);
  const flags = options.appendLog ? 'a' : 'w';
  const fd = options.output === 'file' ? openSync(logFile, flags) : undefined;
  const stdio: StdioOptions = fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--enable-source-maps', join(options.root, options.script)], {
      cwd: options.root,
      env: { ...process.env, ...options.env },
      stdio,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    if (fd !== undefined) closeSync(fd);
  }
  if (fd === undefined) {
    const log = createWriteStream(logFile, { flags });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  return { name: options.name, logFile, child, exited };
}

export interface HttpReadiness {
  /** Named in the timeout message, e.g. `api on :3001`. */
  readonly what: string;
  readonly url: string;
  /**
   * true: only a 2xx answer means ready. false: any answer does (a health route that answers 503 until its
   * dependencies are up still shows that the process listens).
   */
  readonly requireOk: boolean;
  readonly timeoutMs?: number;
}

/** Polls `url` until the process is ready; fails at once, naming the log, if the process exits first. */
export function waitForHttp(app: NodeProcess, readiness: HttpReadiness): Promise<void> {
  return waitUntil(readiness.what, readiness.timeoutMs ?? 60_000, async () => {
    if (app.child.exitCode !== null)
      throw new Error(`${app.name} exited with ${app.child.exitCode}; see ${app.logFile}`);
    return fetch(readiness.url).then(
      (response) => !readiness.requireOk || response.ok,
      () => false,
    );
  });
}

/**
 * Sends `signal` and waits for the exit, with SIGKILL after `killAfterMs`. Asynchronous on purpose: blocking
 * the event loop while a process stops leaves pooled HTTP sockets it closed meanwhile looking reusable, and
 * the next request on one fails with "other side closed".
 */
export async function stopProcess(
  app: NodeProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
  killAfterMs = 20_000,
): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill(signal);
  const timer = setTimeout(() => app.child.kill('SIGKILL'), killAfterMs);
  await app.exited;
  clearTimeout(timer);
}
