// Droplet power actions (issue 23: `notesctl hosts start|stop|restart`), as DigitalOcean's API v2
// documents them: POST /v2/droplets/{id}/actions {type} answers 201 with an action "in-progress",
// which completes after `actionMs` and moves the Droplet to "off" (power_off, shutdown) or
// "active" (power_on, reboot, power_cycle); GET /v2/actions/{id} reads it. An action on a
// Droplet that is not up yet, or already in the state asked for, is refused with 422.
import type { Reply } from './reply.ts';
import { notFound, unprocessable } from './reply.ts';
import type { Route } from './router.ts';
import type { FakeState } from './state.ts';

const OUTCOME: Record<string, 'off' | 'active'> = {
  power_off: 'off',
  shutdown: 'off',
  power_on: 'active',
  reboot: 'active',
  power_cycle: 'active',
};

interface FakeAction {
  id: number;
  status: 'in-progress' | 'completed' | 'errored';
  type: string;
  started_at: string;
  completed_at: string | null;
  resource_id: number;
  resource_type: 'droplet';
  region_slug: string;
}

/** Routes of this file; `actionMs`: how long an action runs. */
export function actionRoutes(state: FakeState, actionMs = 300): Route[] {
  const actions = new Map<number, FakeAction>();
  let next = 36_000_000;
  const start = (dropletId: number, body: unknown): Reply => {
    const record = state.droplets.get(dropletId);
    if (record === undefined) return notFound();
    const type = (body as { type?: unknown } | undefined)?.type;
    const outcome = typeof type === 'string' ? OUTCOME[type] : undefined;
    if (typeof type !== 'string' || outcome === undefined) {
      return unprocessable(`${String(type)} is not a valid action type`);
    }
    const { droplet } = record;
    if (droplet.status === 'new') return unprocessable('Droplet is currently on an event');
    if (type === 'power_on' && droplet.status === 'active') {
      return unprocessable('Droplet is already powered on');
    }
    if ((type === 'power_off' || type === 'shutdown') && droplet.status === 'off') {
      return unprocessable('Droplet is already powered off');
    }
    const action: FakeAction = {
      id: ++next,
      status: 'in-progress',
      type,
      started_at: new Date().toISOString(),
      completed_at: null,
      resource_id: droplet.id,
      resource_type: 'droplet',
      region_slug: droplet.region.slug,
    };
    actions.set(action.id, action);
    setTimeout(() => {
      action.status = 'completed';
      action.completed_at = new Date().toISOString();
      if (state.droplets.get(dropletId) === record) droplet.status = outcome;
    }, actionMs).unref();
    return { status: 201, body: { action } };
  };
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/droplets\/(\d+)\/actions$/,
      handle: ({ params, body }) => start(Number(params[0]), body),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/actions\/(\d+)$/,
      handle: ({ params }) => {
        const action = actions.get(Number(params[0]));
        return action === undefined ? notFound() : { status: 200, body: { action } };
      },
    },
  ];
}
