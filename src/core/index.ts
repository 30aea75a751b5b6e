/** The pure core: manifest, inventory, DAG and planner. No I/O, no AWS. */
export * from './errors';
export * from './manifest/schema';
export { parseManifest, toManifest } from './manifest/parse-manifest';
export { validateManifest } from './manifest/validate-manifest';
export * from './inventory/schema';
export { parseInventory, toInventory } from './inventory/parse-inventory';
export { generateInventory } from './inventory/generate-inventory';
export * from './dag/service-graph';
export type { Plan } from './plan/types';
export { planUpdate } from './plan/plan-update';
export { planHash, canonicalJson } from './plan/plan-hash';
export { buildWaves, waveLowerBound } from './plan/build-waves';
export { resolveMaxInFlight } from './plan/max-in-flight';
export { makespanBound, outageScheduleBound, stopTheWorldSeconds } from './plan/makespan-bound';
export type { StepDurations, MakespanBound, OutageScheduleBound } from './plan/makespan-bound';
export { worstCaseDurations } from './plan/worst-case-durations';
export { parseStepDurations } from './plan/parse-step-durations';
export * from './schedule';
