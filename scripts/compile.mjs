// Compiles what ships (src/, lib/, lambdas/) to dist/ with the same layout, one file in → one file out.
//
// Why esbuild and not `tsc` emit: type checking is `tsc --noEmit` (npm run build), and the sources are written
// for per-file transpilation (`isolatedModules`), so emitting needs no type information. esbuild does it in well
// under a second, where tsc takes 10–40 s on these machines; that is what lets the test suite rebuild dist/
// before every run (test/global-setup.ts), so the binary the tests spawn is never older than the sources.
//
// Usage: node scripts/compile.mjs [--clean]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const SOURCE_DIRECTORIES = ['src', 'lib', 'lambdas'];

function walk(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

if (process.argv.includes('--clean')) rmSync(out, { recursive: true, force: true });
const files = SOURCE_DIRECTORIES.flatMap((directory) => walk(join(root, directory)));
const typescript = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
// Plain-JS tools (the simulated node's cu-node and service process) are copied as they are, shebang and all.
const javascript = files.filter((file) => file.endsWith('.js'));

await build({
  entryPoints: typescript,
  outdir: out,
  outbase: root,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // `await import('./plan')` (the lazy command loading) becomes require(), as tsc's commonjs output does; a
  // native import() would resolve ESM-style and find no extensionless file.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
for (const file of javascript) {
  const target = join(out, relative(root, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
process.stdout.write(`compiled ${typescript.length} TypeScript files and copied ${javascript.length} JavaScript files to ${relative(process.cwd(), out) || '.'}\n`);
