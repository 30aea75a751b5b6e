import { ValidationError, type ValidationIssue } from '../errors';
import { parseYamlDocument, zodIssues } from '../yaml/parse-yaml-document';
import { inventorySchema, type Inventory } from './schema';

/** YAML text → a validated Inventory (node ids unique). */
export function parseInventory(text: string, source = 'inventory'): Inventory {
  return toInventory(parseYamlDocument(text, source), source);
}

export function toInventory(data: unknown, source = 'inventory'): Inventory {
  const input = data ?? {};
  const parsed = inventorySchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(source, zodIssues(parsed.error, inventorySchema, input));
  const issues: ValidationIssue[] = [];
  const first = new Map<string, number>();
  parsed.data.nodes.forEach((node, i) => {
    const seen = first.get(node.id);
    if (seen === undefined) first.set(node.id, i);
    else issues.push({ path: `nodes[${i}].id`, message: `duplicate node id '${node.id}' (first at nodes[${seen}])` });
    const services = new Set<string>();
    node.services.forEach((service, j) => {
      if (services.has(service)) issues.push({ path: `nodes[${i}].services[${j}]`, message: `service '${service}' listed twice on node '${node.id}'` });
      services.add(service);
    });
  });
  if (issues.length > 0) throw new ValidationError(source, issues);
  return parsed.data;
}
