/**
 * How a plain-server runtime turns one `build:` service into its supervisor's file and deploy
 * step (issue 21): systemd units here, PM2 apps in src/targets/pm2. Everything else a plain
 * server gets (releases, databases, names, the plan) is shared by both.
 */
import type { Service } from '../../model/topology.ts';
import { unitName } from './names.ts';
import { deployScript } from './scripts.ts';
import { renderUnit, type UnitSpec } from './unit.ts';

/**
 * How a plain-server runtime runs a `build:` service: systemd units (the default, here) or PM2
 * apps (src/targets/pm2). Everything else (releases, databases, names, the plan) is shared.
 */
export interface AppRenderer {
  runtime: 'systemd' | 'pm2';
  /** The app's name in its supervisor. */
  name(project: string, service: string): string;
  /** Its file and deploy step; a runtime that cannot run it adds located problems instead. */
  render(
    app: { spec: UnitSpec; env: Record<string, string>; service: Service; envText: string },
    problems: string[],
  ): { text: string; deploy: { title: string; script: string } } | undefined;
}

/** systemd: one hardened unit per service. */
export const SYSTEMD_RENDERER: AppRenderer = {
  runtime: 'systemd',
  name: unitName,
  render({ spec, envText }) {
    const unit = unitName(spec.project, spec.service);
    const text = renderUnit(spec);
    return {
      text,
      deploy: {
        title: `write ${unit} and restart it on release ${spec.release}`,
        script: deployScript({ ...spec, unit, unitText: text, envText }),
      },
    };
  },
};
