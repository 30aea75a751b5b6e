import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../../src/cli/commands/plan';
import { parseInventory } from '../../../src/core/inventory/parse-inventory';
import { parseManifest } from '../../../src/core/manifest/parse-manifest';
import { planUpdate } from '../../../src/core/plan/plan-update';

const manifest = parseManifest('release: "2.0.0"\nprevious: "1.0.0"\ncluster: c\nservices:\n  - { name: web, minHealthy: 1 }\n  - { name: reports }\n');

/** docs/manifest.md, "The plan": what an unhealthy node means for the services it hosts. */
describe('plan: services on unhealthy nodes', () => {
  it('a service whose only replica is on an unhealthy node is planned, and the plan says it will not be updated', () => {
    const inventory = parseInventory('nodes:\n  - { id: n1, services: [web] }\n  - { id: n2, services: [web] }\n  - { id: n3, services: [reports], healthy: false }\n');
    const plan = planUpdate(manifest, inventory);
    expect(plan.outageBudget.reports).toBe(0);
    const text = renderPlan(manifest, plan);
    expect(text).toMatch(/reports\s+1 replica \(n3\), not updated: every replica is on an unhealthy node \(n3\)/);
    expect(text).not.toMatch(/reports.*up to 0 out at once/);
    expect(text).toMatch(/web\s+2 replicas \(n1, n2\), minHealthy 1, up to 1 out at once/);
  });

  it('an inventory node without `services` hosts none and still gets the platform in a wave', () => {
    const inventory = parseInventory('nodes:\n  - { id: n1, services: [web, reports] }\n  - { id: n2, services: [web] }\n  - { id: n3 }\n');
    expect(inventory.nodes[2]).toEqual({ id: 'n3', services: [], healthy: true });
    expect(planUpdate(manifest, inventory).waves.flat()).toContain('n3');
  });
});
