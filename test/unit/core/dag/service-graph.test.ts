import { describe, expect, it } from 'vitest';
import { ancestors, buildServiceGraph, descendants, findCycle, reverseLevels, topologicalLevels } from '../../../../src/core/dag/service-graph';
import { DependencyCycleError } from '../../../../src/core/errors';

const graph = buildServiceGraph([
  { name: 'migrate', dependsOn: [] },
  { name: 'metadata', dependsOn: ['migrate'] },
  { name: 'search', dependsOn: ['metadata'] },
  { name: 'tql', dependsOn: ['search'] },
  { name: 'ui', dependsOn: ['tql', 'auth'] },
  { name: 'auth', dependsOn: [] },
]);

describe('service graph', () => {
  it('orders services in levels after all their dependencies', () => {
    expect(topologicalLevels(graph)).toEqual([['auth', 'migrate'], ['metadata'], ['search'], ['tql'], ['ui']]);
  });

  it('a failed service skips exactly its transitive dependents', () => {
    expect([...descendants(graph, 'metadata')].sort()).toEqual(['search', 'tql', 'ui']);
    expect([...descendants(graph, 'auth')]).toEqual(['ui']);
    expect([...descendants(graph, 'ui')]).toEqual([]);
  });

  it('finds ancestors and reverses levels for rollback', () => {
    expect([...ancestors(graph, 'ui')].sort()).toEqual(['auth', 'metadata', 'migrate', 'search', 'tql']);
    expect(reverseLevels(graph)[0]).toEqual(['ui']);
  });

  it('finds no cycle in a DAG and the path of one that exists', () => {
    expect(findCycle(graph)).toBeUndefined();
    const cyclic = buildServiceGraph([{ name: 'b', dependsOn: ['c'] }, { name: 'c', dependsOn: ['a'] }, { name: 'a', dependsOn: ['b'] }, { name: 'd', dependsOn: ['a'] }]);
    expect(findCycle(cyclic)).toEqual(['a', 'b', 'c', 'a']);
    expect(() => topologicalLevels(cyclic)).toThrow(DependencyCycleError);
  });

  it('levels 1,000 services with 3,000 edges quickly', () => {
    const services = Array.from({ length: 1000 }, (_, i) => ({ name: `s${i}`, dependsOn: [1, 2, 3].filter((k) => i - k * 7 >= 0).map((k) => `s${i - k * 7}`) }));
    const started = performance.now();
    const levels = topologicalLevels(buildServiceGraph(services));
    expect(levels.flat()).toHaveLength(1000);
    expect(performance.now() - started).toBeLessThan(1000); // generous: a sanity bound, not a benchmark
  });
});
