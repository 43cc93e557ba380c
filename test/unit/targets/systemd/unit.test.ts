/** The unit and env file of a service on a plain server (issue 21), as text. */
import { describe, expect, it } from 'vitest';
import { desiredSystemd } from '../../../../src/targets/systemd/desired.ts';
import { dockerfileCommand } from '../../../../src/targets/systemd/dockerfile-cmd.ts';
import { parseObserved } from '../../../../src/targets/systemd/observe.ts';
import { renderEnvFile } from '../../../../src/targets/systemd/unit.ts';
import { inputs, topology } from './fixtures.ts';

function app(name: string) {
  const found = desiredSystemd(inputs(topology())).apps.find((a) => a.service === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

describe('a service unit', () => {
  it('is hardened as the issue lists, without MemoryDenyWriteExecute (V8 needs W+X pages)', () => {
    const { unitText } = app('api');
    for (const line of [
      'DynamicUser=yes',
      'User=nc-p-api',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
      'CapabilityBoundingSet=',
      'WantedBy=multi-user.target',
    ])
      expect(unitText.split('\n')).toContain(line);
    expect(unitText).not.toContain('MemoryDenyWriteExecute');
    expect(unitText).not.toContain('ReadWritePaths');
  });

  it('runs the image CMD with the installed Node, from its release mounted at /app', () => {
    const lines = app('api').unitText.split('\n');
    expect(lines).toContain('ExecStart=/opt/notesctl/node/24.1.0/bin/node dist/server.js');
    expect(lines).toContain('BindReadOnlyPaths=/opt/notesctl/p/api/current:/app');
    expect(lines).toContain('X-NotesctlRelease=api00000001');
    expect(lines).toContain('After=network-online.target mariadb.service');
  });

  it('hands secrets over as credentials: paths in the unit, values nowhere', () => {
    const api = app('api');
    expect(api.unitText.split('\n')).toEqual(
      expect.arrayContaining([
        'Environment=API_KEY_FILE=%d/api_key',
        'Environment=DATABASE_PASSWORD_FILE=%d/db_pw',
        'LoadCredential=api_key:/etc/notesctl/p/credentials/api/api_key',
        'LoadCredential=db_pw:/etc/notesctl/p/credentials/api/db_pw',
      ]),
    );
    expect(api.credentials).toEqual({ api_key: 'api_key', db_pw: 'db_pw' });
    expect(api.envText).toBe('HOST=127.0.0.1\nPORT=3333\n');
  });

  it('listens on every address only when published', () => {
    expect(app('web').envText).toBe('HOST=0.0.0.0\n');
  });

  it('changes its hash when the release or the secrets change, not otherwise', () => {
    const t = topology();
    const hash = (i: ReturnType<typeof inputs>) =>
      desiredSystemd(i).apps.find((a) => a.service === 'api')?.hash;
    const base = hash(inputs(t));
    expect(hash(inputs(t))).toBe(base);
    expect(hash(inputs(t, { api: 'api00000002' }))).not.toBe(base);
    const other = inputs(t);
    other.secretDigests.set('api', 'another');
    expect(hash(other)).not.toBe(base);
  });
});

describe('env files and Dockerfile commands', () => {
  it('quotes values for EnvironmentFile=', () => {
    expect(renderEnvFile({ B: 'two words', A: 'x$y"z', C: 'plain/1:2' })).toBe(
      'A="x\\$y\\"z"\nB="two words"\nC=plain/1:2\n',
    );
  });

  it('takes the last stage CMD, exec form or through the shell', () => {
    expect(
      dockerfileCommand('FROM a\nCMD ["x"]\nFROM b AS c\nCMD ["node", "dist/server.js"]\n'),
    ).toEqual(['node', 'dist/server.js']);
    expect(dockerfileCommand('FROM a\nCMD node \\\n  server.js\n')).toEqual([
      '/bin/sh',
      '-c',
      'node    server.js',
    ]);
    expect(dockerfileCommand('FROM a\nCMD ["x"]\nFROM b\n')).toBeUndefined();
  });
});

describe('observing a server', () => {
  it('reads the facts one line each, properties by name', () => {
    const observed = parseObserved(
      [
        'os debian none 12',
        'propagation shared',
        'unit notesctl-p-api.service api 0123 api00000001',
        'state notesctl-p-api.service SubState=running|ActiveState=active|UnitFileState=enabled|MainPID=42|NRestarts=2|MemoryCurrent=1048576|ActiveEnterTimestamp=@1700000000|',
        'database db 77',
        'release api api00000001',
        'node 24.1.0',
        'hosts 127.0.0.1 api db',
        'mariadb-installed',
        'mariadb-conf abcd',
        'mariadb-active active',
      ].join('\n'),
    );
    expect(observed.units).toEqual([
      {
        service: 'api',
        unit: 'notesctl-p-api.service',
        hash: '0123',
        release: 'api00000001',
        active: 'active',
        sub: 'running',
        enabled: 'enabled',
        mainPid: 42,
        restarts: 2,
        memoryBytes: 1_048_576,
        sinceUs: 1_700_000_000_000_000,
      },
    ]);
    expect(observed.sharedRun).toBe(true);
    expect(observed.hostsLine).toBe('127.0.0.1 api db');
    expect(observed.mariadb).toEqual({ installed: true, configured: 'abcd', active: 'active' });
  });
});
