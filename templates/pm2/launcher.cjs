'use strict';
/*
 * What PM2 runs for every app of a `runtime: pm2` host (issue 21), in each cluster worker:
 * 1. PM2's daemon runs as root and starts workers as root. PM2's own `uid`/`gid` options call
 *    setgid/setuid but keep root's supplementary groups (group 0); here the worker drops them
 *    too, then takes the app's own user (NOTESCTL_USER, a system user with a group of its name).
 * 2. It loads the app's entry (NOTESCTL_SCRIPT, relative to the release folder PM2 started it
 *    in), CommonJS or ESM alike, with the app's arguments.
 * 3. It tells PM2 it is ready (`wait_ready`) only once one of the app's servers listens and the
 *    service's health check (NOTESCTL_HEALTH, argv as JSON) passes, so `pm2 reload` moves traffic
 *    to a worker that answers. PM2 itself swaps anyway after `listen_timeout`: notesctl's own wait
 *    after the reload is what fails a deploy.
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

function check() {
  if (!Array.isArray(health) || health.length === 0) return ready();
  execFile(health[0], health.slice(1), { timeout: timeoutMs }, (error) => {
    if (!error) return ready();
    setTimeout(check, intervalMs).unref();
  });
}

// The first server that listens starts the checks (in cluster mode PM2's daemon holds the port).
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function notesctlListen(...args) {
  this.once('listening', () => {
    if (!readySent) check();
  });
  return listen.apply(this, args);
};

const script = path.resolve(process.env.NOTESCTL_SCRIPT || 'index.js');
process.argv[1] = script;
import(pathToFileURL(script).href).catch((error) => {
  console.error(error);
  process.exit(1);
});
