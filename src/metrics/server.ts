import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';

/*
 * The scrape endpoint, on a port of its own so that it never shares the public listener (and its load balancer,
 * TLS and ingress rules): GET /metrics in the text exposition format, 404 for any other path, 405 for any
 * other method. Nothing else is served here, and nothing here needs authentication: keep the port private.
 */

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveMetrics(deps: { metrics: Pick<Metrics, 'registry'>; host: string; port: number }): Promise<MetricsServer> {
  const { registry } = deps.metrics;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'method not allowed\n');
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => answer(res, 500, 'metrics unavailable\n'),
    );
  });
  server.listen(deps.port, deps.host);
  // once() rejects on 'error': a port in use fails the start instead of leaving a server that never listens.
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}
