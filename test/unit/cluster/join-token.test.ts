/**
 * A join token never leaves swarm-cluster.ts in an error (issue 20): whatever Docker's message
 * says, a failed join's error names the host and the operation but carries no token, and keeps
 * no cause that could print it (-v prints causes).
 */
import { expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/engine.ts';
import { joinSwarm } from '../../../src/engine/swarm-cluster.ts';
import { wrapEngineError } from '../../../src/engine/wrap-error.ts';
import { EngineError } from '../../../src/errors.ts';

const TOKEN =
  'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx';

it('scrubs the token from a failed join’s message and keeps no cause', async () => {
  const engine = {
    hostName: 'w1',
    request: (operation: string) =>
      Promise.reject(
        wrapEngineError(
          { statusCode: 500, json: { message: `invalid join token ${TOKEN}` } },
          { host: 'w1', operation },
        ),
      ),
  } as unknown as Engine;
  const error = await joinSwarm(engine, {
    advertiseAddr: '10.0.0.4',
    remoteAddrs: ['10.0.0.1:2377'],
    token: TOKEN,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EngineError);
  const e = error as EngineError;
  expect(e.host).toBe('w1');
  expect(e.message).toBe('w1: join the swarm from: invalid join token <join token>');
  expect(e.cause).toBeUndefined();
  expect(`${e.stack ?? ''} ${e.hint ?? ''} ${JSON.stringify(e)}`).not.toContain(TOKEN);
});
