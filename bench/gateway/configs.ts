/** Range lists and peer configuration files for the gateway benchmark (pure text builders). */
import { prng } from '../lib/prng.js';

/**
 * `count` distinct, non-overlapping IPv4 ranges: `count - 2` random global /24s (never in 0/8, 10/8,
 * 127/8 or 224/3) plus 127.0.0.1/32 and 127.0.0.2/32 (the benchmark's allowed sources), in random order.
 * 127.0.0.3 is outside all of them.
 */
export function makeRanges(count: number, seed = 42): string[] {
  const random = prng(seed);
  const seen = new Set<number>();
  const out: string[] = ['127.0.0.1/32', '127.0.0.2/32'];
  while (out.length < count) {
    const block = Math.floor(random() * 0xe00000); // a.b.c with a < 224
    const a = block >>> 16;
    if (a === 0 || a === 10 || a === 127 || seen.has(block)) continue;
    seen.add(block);
    out.push(`${a}.${(block >>> 8) & 0xff}.${block & 0xff}.0/24`);
  }
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

export function haproxyConfig(listenPort: number, upstreamPort: number, aclFile: string): string {
  return `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend gate
  bind 127.0.0.1:${listenPort}
  tcp-request connection reject unless { src -f ${aclFile} }
  default_backend api
backend api
  server upstream 127.0.0.1:${upstreamPort}
`;
}

export function nginxStreamConfig(dir: string, listenPort: number, upstreamPort: number, ranges: readonly string[]): string {
  return `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid ${dir}/nginx-stream.pid;
error_log ${dir}/nginx-stream.err warn;
events { worker_connections 65535; }
stream {
  server {
    listen 127.0.0.1:${listenPort} reuseport backlog=4096;
${ranges.map((r) => `    allow ${r};`).join('\n')}
    deny all;
    proxy_pass 127.0.0.1:${upstreamPort};
  }
}
`;
}

/** The shared upstream: nginx answering every HTTP request with a tiny 200, keepalive on, one worker. */
export function nginxUpstreamConfig(dir: string, port: number): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx-upstream.pid;
error_log ${dir}/nginx-upstream.err warn;
events { worker_connections 65535; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { return 200 "ok\\n"; }
  }
}
`;
}
