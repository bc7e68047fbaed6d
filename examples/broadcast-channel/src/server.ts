// Bundles the demo page with esbuild (in memory, workspace packages from their sources) and serves
// it from a tiny HTTP server on 127.0.0.1, on the port given (0: any free port).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const packages = resolve(here, '../../../packages');

export async function bundlePage(entry = 'page.ts'): Promise<string> {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
    plugins: [
      {
        name: 'workspace-sources',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^@state-sync\/[^/]+$/ }, (args) => ({
            path: join(packages, args.path.slice('@state-sync/'.length), 'src/index.ts'),
          }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePage(port = 0): Promise<PageServer> {
  const files: Record<string, { type: string; body: string }> = {
    '/': { type: 'text/html', body: readFileSync(join(here, 'index.html'), 'utf8') },
    '/page.js': { type: 'text/javascript', body: await bundlePage() },
    '/writes.html': { type: 'text/html', body: readFileSync(join(here, 'writes.html'), 'utf8') },
    '/writes.js': { type: 'text/javascript', body: await bundlePage('writes-page.ts') },
  };
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://x').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, {
        'content-type': `${file.type}; charset=utf-8`,
        'cache-control': 'no-store',
      })
      .end(file.body);
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ready);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
