import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../../src/core/manifest/schema';
import { nodeHealthCommand } from '../../../src/workflow/step-scripts';
import { programShims, type ProgramShims } from '../../fixtures/program-shims';

/**
 * A node's check of its services, run by bash as the step runner runs it. It sits on the critical path of every
 * platform outage and replica update, so besides the checks themselves it starts only mktemp and rm: results are
 * read back and the time taken with bash builtins. External programs are logging shims first on PATH.
 */
describe('a node’s health check script', () => {
  let scratch: string;
  let shims: ProgramShims;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cu-health-script-'));
    shims = programShims(scratch, ['cat', 'date', 'mktemp', 'rm', 'sleep']);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const service = (name: string, command: string, timeoutSeconds = 5): Service => ({ name, minHealthy: 0, health: { command, timeoutSeconds } }) as Service;
  function run(services: Service[], env: Record<string, string> = {}) {
    const { script } = nodeHealthCommand(services, { expectRelease: false });
    shims.reset();
    const began = Date.now();
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: `${shims.directory}:${process.env.PATH}`, HOME: scratch, ...env } });
    return { ...result, started: shims.started(), tookMs: Date.now() - began };
  }

  /** Waits (busily: the run is synchronous) until the wall clock is at .950–.990 of a second. */
  function justBeforeASecondTurns(): void {
    while (Date.now() % 1000 < 950 || Date.now() % 1000 > 990) {
      /* spin */
    }
  }

  it('checks every service side by side and reports each, starting no cat or date', () => {
    const healthy = run([service('search', 'echo answered 200'), service('tql', 'printf "ok\\n\\n\\n"'), service('web', 'echo fine')]);
    expect(healthy.status).toBe(0);
    expect(healthy.stdout).toBe('healthy: answered 200\nhealthy: ok\nhealthy: fine\n');
    expect(healthy.started.sort()).toEqual(['mktemp', 'rm']);
  });

  it('retries a failing service until its own timeout, then names it with its last output', () => {
    const flag = join(scratch, 'never');
    const failing = run([service('search', 'echo answered 200'), service('tql', `[ -f '${flag}' ] || { echo "GET /health answered 503"; exit 1; }`, 1)]);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toBe('healthy: answered 200\n');
    expect(failing.stderr).toMatch(/^unhealthy after [12] s; GET \/health answered 503\n$/);
    expect(failing.started.filter((p) => p === 'cat' || p === 'date')).toEqual([]);
    expect(failing.started.filter((p) => p === 'sleep').length).toBeGreaterThanOrEqual(1);
  });

  // A whole-second clock read at x.95 s saw 1 s pass at the first retry 0.1 s later, and gave up a check of
  // timeoutSeconds 1 after one attempt. Started there, with and without EPOCHREALTIME (bash < 5.0 falls back to
  // whole seconds, BASH_ENV removes it here), the check runs its whole timeout.
  for (const clock of ['EPOCHREALTIME', 'whole seconds'] as const) {
    it(`gives up only after its timeout has passed, wherever in a second it starts (${clock})`, () => {
      const env: Record<string, string> = {};
      if (clock === 'whole seconds') {
        const unset = join(scratch, 'unset-epochrealtime.sh');
        writeFileSync(unset, 'unset EPOCHREALTIME\n');
        env.BASH_ENV = unset;
      }
      justBeforeASecondTurns();
      const failing = run([service('tql', 'sleep 0.1; echo "GET /health answered 503"; exit 1', 1)], env);
      expect(failing.status).toBe(1);
      // How long after is the machine's business (a busy one runs each round slower); never before 1 s.
      expect(failing.stderr).toMatch(/^unhealthy after \d+ s; GET \/health answered 503\n$/);
      expect(failing.tookMs).toBeGreaterThanOrEqual(1000);
    });
  }
});
