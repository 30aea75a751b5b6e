import { describe, expect, it } from 'vitest';
import { parseCuNodeCommand } from '../../../src/local/fleet/cu-node-command';

describe('parseCuNodeCommand', () => {
  it('reads each operation the simulated node offers, with its name and release', () => {
    expect(parseCuNodeCommand(['platform', 'install', 'config', '7.2.0'])).toEqual({ kind: 'operation', op: 'platform-install', name: 'config', release: '7.2.0' });
    expect(parseCuNodeCommand(['service', 'update', 'search', '7.2.0'])).toEqual({ kind: 'operation', op: 'service-update', name: 'search', release: '7.2.0' });
    expect(parseCuNodeCommand(['service', 'health', 'search'])).toEqual({ kind: 'operation', op: 'service-health', name: 'search', release: undefined });
    // An empty release (`"$CU_RELEASE"` unset) is no release, as the Node client it replaces read it.
    expect(parseCuNodeCommand(['service', 'start', 'search', ''])).toEqual({ kind: 'operation', op: 'service-start', name: 'search', release: undefined });
    expect(parseCuNodeCommand(['oneoff', 'rollback', 'm', '7.1.3'])).toEqual({ kind: 'operation', op: 'oneoff-rollback', name: 'm', release: '7.1.3' });
    expect(parseCuNodeCommand(['drain'])).toEqual({ kind: 'operation', op: 'drain' });
    expect(parseCuNodeCommand(['hook', 'smoke'])).toEqual({ kind: 'operation', op: 'hook', name: 'smoke' });
    expect(parseCuNodeCommand(['service', 'port', 'tql'])).toEqual({ kind: 'port', service: 'tql' });
  });

  it('answers bad usage for anything else, an update without a release included', () => {
    for (const argv of [[], ['frobnicate'], ['service', 'frobnicate', 'x'], ['service', 'update', 'search'], ['service', 'update', 'search', ''], ['platform', 'install', 'config'], ['oneoff', 'run', 'm'], ['hook'], ['service', 'port']]) {
      expect(parseCuNodeCommand(argv), argv.join(' ')).toEqual({ kind: 'usage' });
    }
  });
});
