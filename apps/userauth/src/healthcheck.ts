/**
 * Container healthcheck (`HEALTHCHECK CMD node dist/healthcheck.js`): GET /health on this
 * container's own port, exit 0 on 200 and 1 otherwise. No curl in the image, and fast: one
 * loopback request with a short timeout.
 */
import { request } from 'node:http';

const port = Number(process.env.PORT || 3333);
const host =
  !process.env.HOST || process.env.HOST === '0.0.0.0' || process.env.HOST === '::'
    ? '127.0.0.1'
    : process.env.HOST;

const req = request({ host, port, path: '/health', timeout: 2_000 }, (res) => {
  res.resume();
  process.exitCode = res.statusCode === 200 ? 0 : 1;
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => (process.exitCode = 1));
req.end();
