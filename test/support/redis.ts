import { connect } from 'node:net';
import { findRedisServer } from './binaries.ts';
import { startService, type RunningService } from './services.ts';

const HOST = '127.0.0.1';

/** A redis-server of its own on `port` (no persistence), for the test run or for a test that kills it. */
export function startRedis(port: number): Promise<RunningService> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server not found: install it (apt-get install redis-server) or run `npm test`, which does');
  return startService({
    name: 'redis',
    bin,
    args: (dir) => ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
    ready: () => redisPing(port),
  });
}

export function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    socket.setTimeout(1_000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (reply) => {
      socket.destroy();
      if (reply.toString('utf8').startsWith('+PONG')) resolve();
      else reject(new Error(`PING answered ${reply.toString('utf8').trim()}`));
    });
  });
}
