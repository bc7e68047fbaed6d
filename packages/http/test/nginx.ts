// Debian's nginx as a real shared cache in front of the origin, started by the test on a loopback
// port. Missing nginx is installed when we may (root + apt-get); otherwise the test says so loudly,
// and with CI=true a missing nginx is a failure, never a skip.
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** The nginx binary, installing it when missing and we may; undefined when it cannot be had. */
export function ensureNginx(): string | undefined {
  if (existsSync(NGINX)) return NGINX;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log(`[nginx] ${NGINX} missing: installing Debian's nginx with apt-get`);
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx', {
      stdio: 'inherit',
    });
    if (existsSync(NGINX)) return NGINX;
  }
  const message = `[nginx] ${NGINX} not found. Install it (Debian: sudo apt-get install -y nginx) or set NGINX_PATH.`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(
    `\n${'!'.repeat(80)}\n${message}\nThe cache tests will be SKIPPED.\n${'!'.repeat(80)}\n`,
  );
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CacheProxy {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The configuration docs/transports/http.md recommends: event streams unbuffered, snapshots
 * through `proxy_cache` with `proxy_cache_lock` (one origin request per cache key at a time).
 */
export function nginxConfig(prefix: string, port: number, originPort: number): string {
  return `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  proxy_cache_path ${prefix}/cache levels=1:2 keys_zone=state_sync:10m max_size=100m inactive=10m use_temp_path=off;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location /sync/events {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
    location /sync/ {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache state_sync;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_lock_age 10s;
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
}

export async function startNginx(binary: string, originPort: number): Promise<CacheProxy> {
  const prefix = mkdtempSync(join(tmpdir(), 'state-sync-nginx-'));
  // Started as root, nginx's workers run as nobody: they must reach the cache under the prefix.
  chmodSync(prefix, 0o755);
  const port = await freePort();
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig(prefix, port, originPort));
  const child: ChildProcess = spawn(binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it answers; the loop ends on the first answer (any status) or when nginx exits.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${url}/ready-check`);
      break;
    } catch {
      if (i > 200) throw new Error(`nginx did not answer on ${url}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
