import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, NoSafePlanError, ValidationError } from '../../../../src/core/errors';
import { parseInventory } from '../../../../src/core/inventory/parse-inventory';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../../src/core/plan/plan-update';

const root = join(__dirname, '../../../../examples');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const exampleManifest = parseManifest(read('analytics-cluster/release-7.2.0.yaml'));
const exampleInventory = parseInventory(read('analytics-cluster/inventory.yaml'));
const invalidInventory = parseInventory(read('invalid/inventory.yaml'));

const manifest = (yaml: string) => parseManifest(`release: "2.0.0"\nprevious: "1.0.0"\ncluster: c\n${yaml}`);
const inventory = (yaml: string) => parseInventory(yaml);

describe('planUpdate', () => {
  it('plans the analytics example: canary hosting the most services, waves of at most 2, levels in order', () => {
    const plan = planUpdate(exampleManifest, exampleInventory);
    expect(plan.canary).toBe('node-1');
    expect(plan.canaryReason).toBe('auto: hosts 7 services');
    expect(plan.waves.flat().sort()).toEqual(['node-2', 'node-3', 'node-4', 'node-5', 'node-6']);
    expect(plan.waves.every((w) => w.length <= 2)).toBe(true);
    expect(plan.serviceOrder[0]).toContain('metadata-migrate-7-2');
    expect(plan.oneOffNodes['metadata-migrate-7-2']).toBe('node-1');
    expect(plan.outageBudget.search).toBe(2); // 4 replicas, minHealthy 2
    expect(plan.planHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names a service that no node hosts', () => {
    expect(() => planUpdate(parseManifest(read('invalid/unhosted-service.yaml')), invalidInventory)).toThrow(/no node hosts service 'cache'/);
  });

  it('names minHealthy larger than the replica count', () => {
    const error = (() => {
      try {
        planUpdate(parseManifest(read('invalid/min-healthy-too-large.yaml')), invalidInventory);
      } catch (e) {
        return e as ValidationError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.issues).toEqual([{ path: 'services[0].minHealthy', message: "service 'search' has minHealthy 3 but only 2 replicas" }]);
  });

  it('names a hosted service the manifest does not declare', () => {
    expect(() => planUpdate(manifest('services: [{ name: search }]'), inventory('nodes: [{ id: n1, services: [search, serch] }]'))).toThrow(/hosts 'serch', which the manifest does not declare/);
  });

  it('refuses a plan that would take a service below minHealthy, naming it and the numbers', () => {
    const attempt = () => planUpdate(manifest('services: [{ name: search, minHealthy: 2 }]'), inventory('nodes: [{ id: n1, services: [search] }, { id: n2, services: [search] }]'));
    expect(attempt).toThrow(NoSafePlanError);
    expect(attempt).toThrow("no safe plan for service 'search': 2 replicas, 0 unhealthy, minHealthy 2");
  });

  it('counts unhealthy replicas as already out', () => {
    const attempt = () =>
      planUpdate(
        manifest('services: [{ name: search, minHealthy: 1 }]'),
        inventory('nodes: [{ id: n1, services: [search] }, { id: n2, services: [search] }, { id: n3, services: [search], healthy: false }]'),
      );
    expect(attempt().outageBudget.search).toBe(1);
    expect(attempt().unhealthyNodes).toEqual(['n3']);
  });

  it('uses a named canary and refuses an unknown or unhealthy one', () => {
    const inv = inventory('nodes: [{ id: n1, services: [a] }, { id: n2, services: [a] }, { id: n3, services: [a], healthy: false }]');
    expect(planUpdate(manifest('policy: { canary: n2 }\nservices: [{ name: a }]'), inv).canary).toBe('n2');
    expect(() => planUpdate(manifest('policy: { canary: n9 }\nservices: [{ name: a }]'), inv)).toThrow(/canary node 'n9' is not in the inventory/);
    expect(() => planUpdate(manifest('policy: { canary: n3 }\nservices: [{ name: a }]'), inv)).toThrow(/canary node 'n3' is unhealthy/);
  });

  it('breaks canary ties by the smallest node id and skips unhealthy nodes', () => {
    const inv = inventory('nodes: [{ id: n3, services: [a, b] }, { id: n2, services: [a, b] }, { id: n1, services: [a, b, c], healthy: false }, { id: n4, services: [c] }]');
    expect(planUpdate(manifest('services: [{ name: a }, { name: b }, { name: c }]'), inv).canary).toBe('n2');
  });

  it('reads maxInFlight as a percentage of all nodes, rounded down, at least 1', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => `{ id: n${i}, services: [a] }`).join(', ');
    expect(planUpdate(manifest('policy: { maxInFlight: "25%" }\nservices: [{ name: a }]'), inventory(`nodes: [${nodes}]`)).maxInFlight).toBe(2);
    expect(planUpdate(manifest('policy: { maxInFlight: "1%" }\nservices: [{ name: a }]'), inventory(`nodes: [${nodes}]`)).maxInFlight).toBe(1);
  });

  it('refuses an inventory with no healthy node', () => {
    expect(() => planUpdate(manifest('services: [{ name: a }]'), inventory('nodes: [{ id: n1, services: [a], healthy: false }]'))).toThrow(InputError);
  });

  it('gives the same hash for the same inputs in any key order and a new one for any change', () => {
    const a = planUpdate(manifest('services: [{ name: a, minHealthy: 0 }]'), inventory('nodes: [{ id: n1, services: [a] }, { id: n2, services: [a] }]'));
    const b = planUpdate(
      parseManifest('cluster: c\nservices: [{ minHealthy: 0, name: a }]\nprevious: "1.0.0"\nrelease: "2.0.0"'),
      inventory('nodes: [{ services: [a], id: n1 }, { id: n2, services: [a] }]'),
    );
    const c = planUpdate(manifest('services: [{ name: a, minHealthy: 1 }]'), inventory('nodes: [{ id: n1, services: [a] }, { id: n2, services: [a] }]'));
    expect(b.planHash).toBe(a.planHash);
    expect(c.planHash).not.toBe(a.planHash);
  });
});
