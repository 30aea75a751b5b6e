// tsx ships types for its `tsx/cjs/api` subpath behind package "exports", which
// the classic "node" module resolution used here does not read.
declare module 'tsx/cjs/api' {
  /** Requires a module (TypeScript included) relative to `fromFile`. */
  export function require(id: string, fromFile: string): unknown;
  export function register(): () => void;
}
