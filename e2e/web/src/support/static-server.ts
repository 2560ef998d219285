import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, request, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

// Serves the production build of the dashboard the way a deployment would: static files with an SPA
// fallback to index.html, and /api/* forwarded to the api with the prefix stripped (streaming, so the
// Server-Sent Events of /api/events flow through unbuffered).

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Hop-by-hop headers are about one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** The folder with index.html (dist/web/browser). */
  readonly root: string;
  readonly port: number;
  /** Where /api/* goes, e.g. http://127.0.0.1:14001 (no trailing slash). */
  readonly apiUrl: string;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`no index.html in ${root}: build the dashboard first (nx build web)`);
  }
  const api = new URL(options.apiUrl);
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) proxy(req, res, api);
    else serveFile(root, path, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        // Event streams never end on their own.
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

function proxy(req: IncomingMessage, res: ServerResponse, api: URL): void {
  const path = (req.url ?? '/').replace(/^\/api/, '') || '/';
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  headers['host'] = api.host;
  const upstream = request(
    { protocol: api.protocol, hostname: api.hostname, port: api.port, method: req.method, path, headers },
    (answer) => {
      const answerHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) answerHeaders[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaders);
      res.flushHeaders();
      res.socket?.setNoDelay(true);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`bad gateway: ${error.message}`);
  });
  // The browser went away (e.g. an EventSource closed): drop the upstream request too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function serveFile(root: string, urlPath: string, res: ServerResponse): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const candidate = resolve(root, `.${decoded}`);
  if (candidate !== root && !candidate.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  const isFile = existsSync(candidate) && statSync(candidate).isFile();
  if (!isFile && extname(decoded) !== '') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  // Client-side routes (/positions, /pnl, ...) get the app.
  const file = isFile ? candidate : join(root, 'index.html');
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}
