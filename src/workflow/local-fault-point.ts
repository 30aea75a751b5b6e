const fired = new Set<string>();

/**
 * Whether a fault point named in the environment variable `variable` (a comma-separated list) fires now: only
 * in the local runtime (CLUSTER_UPDATE_LOCAL=1), never on AWS, and once per point, like a real hiccup, so the
 * retry or rerun that follows proceeds.
 */
export function faultPointFires(variable: string, point: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CLUSTER_UPDATE_LOCAL !== '1') return false;
  const points = (env[variable] ?? '').split(',').map((p) => p.trim());
  const key = `${variable}:${point}`;
  if (!points.includes(point) || fired.has(key)) return false;
  fired.add(key);
  return true;
}
