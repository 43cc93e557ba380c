// The fake itself against DigitalOcean's documented behaviour, with plain fetch: if the fake
// drifts from the reference, the client tests above it would prove nothing.
import { describe, expect, it } from 'vitest';
import { dropletSpec, fake, newPublicKey, TOKEN } from './helpers.ts';

async function call(
  url: string,
  method = 'GET',
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; headers: Headers; text: string; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe('fake DigitalOcean: documented behaviour', () => {
  it('answers 401 with DigitalOcean’s body for a missing or wrong token', async () => {
    const server = await fake();
    for (const token of [null, 'nope']) {
      const answer = await call(`${server.url}/v2/account`, 'GET', undefined, token);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({
        id: 'unauthorized',
        message: 'Unable to authenticate you.',
      });
    }
    expect(server.state.requests.map((r) => r.auth)).toEqual(['missing', 'invalid']);
  });

  it('sends the rate-limit headers on every answer, counting down', async () => {
    const server = await fake({ rateLimit: 10 });
    const answers = [
      await call(`${server.url}/v2/account`),
      await call(`${server.url}/v2/droplets/1`),
      await call(`${server.url}/v2/account/keys`, 'POST', { name: 'x', public_key: 'x' }),
      await call(`${server.url}/v2/account`, 'GET', undefined, 'wrong'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 404, 422, 401]);
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-limit')).toBe('10');
      expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    }
    expect(answers.map((a) => a.headers.get('ratelimit-remaining'))).toEqual(['9', '8', '7', '7']);
    expect(answers[1]?.json).toMatchObject({ id: 'not_found' });
    expect(answers[1]?.json.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('paginates with only the links that make sense, and meta.total', async () => {
    const server = await fake();
    const first = await call(`${server.url}/v2/regions?per_page=4`);
    expect(first.json.meta).toEqual({ total: 10 });
    expect((first.json.regions as unknown[]).length).toBe(4);
    expect(first.json.links).toEqual({
      pages: {
        last: `${server.url}/v2/regions?per_page=4&page=3`,
        next: `${server.url}/v2/regions?per_page=4&page=2`,
      },
    });
    const middle = await call(`${server.url}/v2/regions?per_page=4&page=2`);
    expect(Object.keys((middle.json.links as { pages: object }).pages).sort()).toEqual([
      'first',
      'last',
      'next',
      'prev',
    ]);
    const last = await call(`${server.url}/v2/regions?per_page=4&page=3`);
    expect(Object.keys((last.json.links as { pages: object }).pages).sort()).toEqual([
      'first',
      'prev',
    ]);
    expect((last.json.regions as unknown[]).length).toBe(2);
    const all = await call(`${server.url}/v2/sizes?per_page=500`);
    expect(all.json.links).toEqual({});
  });

  it('answers a Droplet create with 202, status "new" and a create action; a delete with 204', async () => {
    const server = await fake({ activateAfterMs: 60_000 });
    const key = await call(`${server.url}/v2/account/keys`, 'POST', {
      name: 'k',
      public_key: await newPublicKey(),
    });
    expect(key.status).toBe(201);
    const keyId = (key.json.ssh_key as { id: number }).id;
    const created = await call(
      `${server.url}/v2/droplets`,
      'POST',
      await dropletSpec('web-1', keyId),
    );
    expect(created.status).toBe(202);
    const droplet = created.json.droplet as { id: number; status: string; size_slug: string };
    expect(droplet).toMatchObject({ status: 'new', size_slug: 's-1vcpu-1gb' });
    const { actions } = created.json.links as { actions: { rel: string; href: string }[] };
    expect(actions).toHaveLength(1);
    expect(actions[0]?.rel).toBe('create');
    expect(actions[0]?.href).toMatch(/\/v2\/actions\/\d+$/);
    const deleted = await call(`${server.url}/v2/droplets/${droplet.id}`, 'DELETE');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
  });

  it('records user data and refuses a create without #cloud-config YAML', async () => {
    const server = await fake();
    const keyId = (
      (
        await call(`${server.url}/v2/account/keys`, 'POST', {
          name: 'k',
          public_key: await newPublicKey(),
        })
      ).json.ssh_key as { id: number }
    ).id;
    const spec = await dropletSpec('web-1', keyId);
    const cases: [unknown, RegExp][] = [
      [undefined, /user_data is required/],
      ['#!/bin/sh\necho hi\n', /must start with "#cloud-config"/],
      ['#cloud-config\npackages: [unclosed\n', /not valid YAML/],
    ];
    for (const [userData, message] of cases) {
      const answer = await call(`${server.url}/v2/droplets`, 'POST', {
        ...spec,
        user_data: userData,
      });
      expect(answer.status).toBe(422);
      expect(answer.json.message).toMatch(message);
    }
    expect(server.state.droplets.size).toBe(0);
    expect((await call(`${server.url}/v2/droplets`, 'POST', spec)).status).toBe(202);
    expect([...server.state.droplets.values()][0]?.userData).toBe(spec.user_data);
  });

  it('answers 400 to a body that is not JSON, and 404 to an unknown path', async () => {
    const server = await fake();
    const bad = await call(`${server.url}/v2/droplets`, 'POST', '{"name":');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ id: 'bad_request', message: 'error parsing request body' });
    expect((await call(`${server.url}/v2/volumes`)).status).toBe(404);
  });
});
