/**
 * A small static file server for a built site under its base path, as GitHub Pages serves it:
 * directories answer with their index.html, "/base" redirects to "/base/", and a missing file answers
 * 404 with the site's own 404.html (which keeps old permalinks working, see docs/site.md). Used by
 * `ratchet preview` and by the browser tests; `cors` lets pages of another origin read it (a
 * directory archive store in the browser tests, as browsers read a public store).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { normalizeBase } from '../util/base-path.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.pf_meta': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveStatic(root: string, options: { base?: string; port?: number; host?: string; cors?: boolean } = {}): Promise<StaticServer> {
  const dir = path.resolve(root);
  const base = normalizeBase(options.base);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.cors) res.setHeader('access-control-allow-origin', '*');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (`${pathname}/` === base) {
      res.writeHead(301, { location: base }).end();
      return;
    }
    if (!pathname.startsWith(base)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: this site is served under ${base}`);
      return;
    }
    const relative = pathname.slice(base.length);
    const file = path.resolve(dir, relative);
    if (file !== dir && !file.startsWith(dir + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      let target = file;
      let info = await stat(target);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, { location: `${pathname}/${url.search}` }).end();
          return;
        }
        target = path.join(target, 'index.html');
        info = await stat(target);
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream', 'content-length': info.size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(target).pipe(res);
    } catch {
      const notFound = path.join(dir, '404.html');
      const page = await stat(notFound).catch(() => undefined);
      if (page?.isFile()) {
        res.writeHead(404, { 'content-type': TYPES['.html']!, 'content-length': page.size });
        if (req.method === 'HEAD') res.end();
        else createReadStream(notFound).pipe(res);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not found</title><h1>404 Not found</h1>');
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}${base}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
