'use strict';
/*
 * What PM2 runs for every app of a `runtime: pm2` host (issue 21), in each cluster worker:
 * 1. PM2's daemon runs as root and starts workers as root. PM2's own `uid`/`gid` options call
 *    setgid/setuid but keep root's supplementary groups (group 0); here the worker drops them
 *    too, then takes the app's own user (NOTESCTL_USER, a system user with a group of its name).
 * 2. It loads the app's entry (NOTESCTL_SCRIPT, relative to the release folder PM2 started it
 *    in), CommonJS or ESM alike, with the app's arguments.
 * 3. It lets the app's first server take traffic only once the service's health check
 *    (NOTESCTL_HEALTH, argv as JSON) passes against it on a private port, then tells PM2 it is
 *    ready (`wait_ready`), so `pm2 reload` moves traffic to a worker that answers. PM2 itself
 *    swaps anyway after `listen_timeout`: notesctl's own wait after the reload fails a deploy.
 * No secret passes through here: the app reads its *_FILE paths, files only its user can read.
 */
const { execFile } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const user = process.env.NOTESCTL_USER;
if (user && process.getuid && process.getuid() === 0) {
  process.setgroups([]);
  process.setgid(user);
  process.setuid(user);
}

const intervalMs = Number(process.env.NOTESCTL_HEALTH_INTERVAL_MS || 1000);
const timeoutMs = Number(process.env.NOTESCTL_HEALTH_TIMEOUT_MS || 5000);
let health;
try {
  health = JSON.parse(process.env.NOTESCTL_HEALTH || 'null');
} catch {
  health = null;
}

let readySent = false;
function ready() {
  if (readySent || !process.send) return;
  readySent = true;
  process.send('ready');
}

/** Run the health check against `port` until it passes, then `done`. */
function check(port, done) {
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1' };
  execFile(health[0], health.slice(1), { timeout: timeoutMs, env }, (error) => {
    if (!error) return done();
    setTimeout(() => check(port, done), intervalMs).unref();
  });
}

/** Whether listen() was asked for a TCP port (not a socket path or a handle). */
function isPort(args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return true;
  return typeof first === 'object' && first !== null && 'port' in first;
}

// In cluster mode PM2's daemon holds the port and hands connections to a worker as soon as it
// listens, before it is ready. So the app's first server listens on a private loopback port of
// its own first; the health check runs against it (PORT and HOST set to it); once it passes the
// server moves to the real port, and only then does the worker say `ready`.
const listen = net.Server.prototype.listen;
let first = true;
net.Server.prototype.listen = function notesctlListen(...args) {
  if (!first || !isPort(args)) return listen.apply(this, args);
  first = false;
  const server = this;
  // The app's callback runs at the first listening (it may wait for it before it connects to
  // its database, which the health check then needs); the real port is taken without it.
  const callback = typeof args.at(-1) === 'function' ? args.pop() : undefined;
  const moveToRealPort = () => {
    listen.apply(server, args);
    server.once('listening', ready);
  };
  if (!Array.isArray(health) || health.length === 0) {
    if (callback) server.once('listening', callback);
    moveToRealPort();
    return server;
  }
  listen.call(server, { port: 0, host: '127.0.0.1', exclusive: true }, callback);
  server.once('listening', () => {
    check(server.address().port, () => server.close(moveToRealPort));
  });
  return server;
};

const script = path.resolve(process.env.NOTESCTL_SCRIPT || 'index.js');
process.argv[1] = script;
import(pathToFileURL(script).href).catch((error) => {
  console.error(error);
  process.exit(1);
});
