/**
 * The image's HEALTHCHECK (`node dist/healthcheck.js`): GET /health on this container's port;
 * exit 0 on 200, 1 otherwise. No curl in the image, and a hard timeout keeps the check fast.
 */
const port = process.env.PORT ?? '3000';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, {
    signal: AbortSignal.timeout(3_000),
  });
  process.exitCode = response.status === 200 ? 0 : 1;
} catch {
  process.exitCode = 1;
}
