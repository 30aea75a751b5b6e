import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory holding this package's package.json: the repository in a checkout, the installed package
 * after `npm i -g`. The same from the sources (`src/…`) and from the compiled code (`dist/src/…`), so files
 * that ship beside the code (examples/, bin/, lambdas/, schemas/) are found from either.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(from: string): string {
  for (let directory = from; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    if (dirname(directory) === directory) throw new Error(`no package.json above ${from}`);
  }
}
