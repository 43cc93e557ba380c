/**
 * The real service process (test/bed/userauth.ts) on a real MariaDB server (test/bed/mariadb.ts),
 * reached over loopback HTTP; the raw table is read with the mariadb client as root.
 */
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { startUserauth } from '../../../../test/bed/userauth.ts';
import type { ContractTarget } from '../contract.ts';

/** Send one request with fetch and collect status, headers and text. */
export async function sendHttp(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) {
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body ?? null });
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
}

/** A contract target: its own database on `mariadb` (or a fresh server) and its own process. */
export async function mariadbTarget(shared?: MariaDb, suite = 'contract'): Promise<ContractTarget> {
  const mariadb = shared ?? (await startMariaDb());
  const name = `userauth_${suite}_${process.pid}`;
  const { url } = await mariadb.createDatabase(name);
  const service = await startUserauth({ databaseUrl: url });
  const sql = (statement: string) => mariadb.sql(`USE \`${name}\`; ${statement}`);
  return {
    apiUser: service.apiUser,
    apiKey: service.apiKey,
    send: (method, path, headers, body) => sendHttp(service.url, method, path, headers, body),
    rawUsersTable: () => sql('SELECT * FROM users'),
    async storedHash(username) {
      if (!/^[A-Za-z0-9._@+:-]+$/.test(username))
        throw new Error(`unsafe name for raw SQL: ${username}`);
      const value = (
        await sql(`SELECT password_hash FROM users WHERE username = '${username}'`)
      ).trim();
      return value === 'NULL' || value === '' ? null : value;
    },
    async breakDatabase() {
      await sql('DROP TABLE users');
    },
    async teardown() {
      await service.stop();
      if (!shared) await mariadb.stop();
    },
  };
}
