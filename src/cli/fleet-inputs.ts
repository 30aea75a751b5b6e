import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../core/errors';
import { Option } from 'commander';
import { GENERATED_NODE_IDS, generateInventory, type GeneratedNodeIds } from '../core/inventory/generate-inventory';
import { parseInventory } from '../core/inventory/parse-inventory';
import type { Inventory } from '../core/inventory/schema';
import { parseManifest } from '../core/manifest/parse-manifest';
import type { Manifest } from '../core/manifest/schema';
import { assertInputSize, decodeInputText } from '../core/yaml/input-text';
import { PACKAGE_ROOT } from '../package-root';

const EXAMPLES = resolve(PACKAGE_ROOT, 'examples', 'analytics-cluster');
export const DEFAULT_MANIFEST = resolve(EXAMPLES, 'release-7.2.0.yaml');
export const DEFAULT_INVENTORY = resolve(EXAMPLES, 'inventory.yaml');

/** A file the operator named does not exist or cannot be read. */
export class InputFileError extends InputError {
  public readonly file: string;
  public constructor(kind: string, file: string, reason: string) {
    super(`${kind} file ${file}: ${reason}`);
    this.name = 'InputFileError';
    this.file = file;
  }
}

export interface FleetInputOptions {
  readonly manifest?: string;
  readonly inventory?: string;
  readonly nodes?: number;
  /** With --nodes: readable ids, EC2 instance ids or hybrid node ids (the readable name then in the Name tag). */
  readonly nodeIds?: GeneratedNodeIds;
}

export interface FleetInputs {
  readonly manifest: Manifest;
  readonly manifestText: string;
  readonly manifestPath: string;
  readonly inventory: Inventory;
}

/** Adds `-m/--manifest`, `--inventory` and `--nodes` to a command. */
export function fleetInputOptions(command: Command): Command {
  return command
    .option('-m, --manifest <file>', 'release manifest (YAML)', undefined)
    .option('--inventory <file>', 'inventory file: which node hosts which service')
    .option('--nodes <n>', 'simulate N nodes with a generated placement instead of an inventory file', parseWholeNumber)
    .addOption(new Option('--node-ids <kind>', 'with --nodes: node ids as names (node-01), EC2 instance ids (i-…) or hybrid node ids (mi-…), named by their Name tag').choices([...GENERATED_NODE_IDS]));
}

/**
 * The same inputs as command-line arguments, for the process `local up` starts in the background: derived from
 * the options in one place, so an option added above cannot be left behind (`--node-ids` once was).
 */
export function fleetInputArguments(options: FleetInputOptions): string[] {
  const args: string[] = [];
  if (options.manifest) args.push('--manifest', resolve(options.manifest));
  if (options.inventory) args.push('--inventory', resolve(options.inventory));
  if (options.nodes !== undefined) args.push('--nodes', String(options.nodes));
  if (options.nodeIds !== undefined) args.push('--node-ids', options.nodeIds);
  return args;
}

export function parseWholeNumber(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1) throw new InputError(`expected a whole number ≥ 1, got '${value}'`);
  return parsed;
}

/** The text of an input file: refused when missing, too large for its kind (before it is read) or not UTF-8. */
export function readInputFile(kind: string, file: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new InputFileError(kind, file, 'not found');
  let bytes: Buffer;
  try {
    assertInputSize(kind, file, statSync(path).size);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputFileError(kind, file, (error as Error).message);
  }
  return decodeInputText(kind, file, bytes);
}

/**
 * The manifest (default: the analytics example) and the placement: an
 * inventory file, `--nodes N` generated, or the example's inventory when the
 * example manifest is used.
 */
export function loadFleetInputs(options: FleetInputOptions): FleetInputs {
  if (options.inventory && options.nodes !== undefined) throw new InputError('give either --inventory or --nodes, not both');
  const manifestPath = resolve(options.manifest ?? DEFAULT_MANIFEST);
  const manifestText = readInputFile('manifest', manifestPath);
  const manifest = parseManifest(manifestText, manifestPath);
  let inventory: Inventory;
  if (options.nodeIds !== undefined && options.nodes === undefined) throw new InputError('--node-ids goes with --nodes <n>');
  if (options.nodes !== undefined) inventory = generateInventory(manifest, options.nodes, options.nodeIds);
  else {
    const inventoryPath = options.inventory ?? (options.manifest ? undefined : DEFAULT_INVENTORY);
    if (!inventoryPath) throw new InputError('give --inventory <file> or --nodes <n> with a manifest of your own');
    inventory = parseInventory(readInputFile('inventory', inventoryPath), inventoryPath);
  }
  return { manifest, manifestText, manifestPath, inventory };
}
