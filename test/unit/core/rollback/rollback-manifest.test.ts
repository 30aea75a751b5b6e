import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/core/errors';
import { parseManifest } from '../../../../src/core/manifest/parse-manifest';
import { IrreversibleUpdateError, NothingToRollBackToError, rollbackManifest, type OneOffProgress } from '../../../../src/core/rollback/rollback-manifest';

const examples = join(__dirname, '../../../../examples/analytics-cluster');
const forward = parseManifest(readFileSync(join(examples, 'release-7.2.0.yaml'), 'utf8'));
const irreversible = parseManifest(readFileSync(join(examples, 'release-7.3.0-irreversible.yaml'), 'utf8'));
const progress = (entries: Record<string, OneOffProgress>) => new Map(Object.entries(entries));
const deps = (manifest: ReturnType<typeof rollbackManifest>, name: string) => manifest.services.find((s) => s.name === name)?.dependsOn.slice().sort();

describe('rollbackManifest', () => {
  const both = progress({ 'metadata-migrate-7-2': 'FINISHED', 'search-index-migrate-7-2': 'FINISHED' });

  it('goes back to previous: releases swapped, platform and hooks kept', () => {
    const back = rollbackManifest('u1', forward, both);
    expect([back.release, back.previous]).toEqual(['7.1.3', '7.2.0']);
    expect(back.platform).toEqual(forward.platform);
    expect(back.hooks).toEqual(forward.hooks);
  });

  it('reverses every dependency: a service goes back only after the services that depend on it', () => {
    const back = rollbackManifest('u1', forward, both);
    // forward: metadata after metadata-migrate-7-2 and coordinator; ingest, search, query-planner, scheduler after metadata
    expect(deps(back, 'metadata')).toEqual(['ingest', 'query-planner', 'scheduler', 'search', 'search-index-migrate-7-2']);
    expect(deps(back, 'metadata-migrate-7-2')).toEqual(['metadata']);
    expect(deps(back, 'web-ui')).toEqual([]);
    expect(deps(back, 'coordinator')).toEqual(['cache', 'metadata']);
  });

  it('undoes one-offs that ran with their rollback command', () => {
    const back = rollbackManifest('u1', forward, both);
    const migration = back.services.find((s) => s.name === 'metadata-migrate-7-2')!;
    expect(migration).toMatchObject({ oneOff: true, run: 'cu-node oneoff rollback metadata-migrate-7-2 "$CU_RELEASE"' });
    expect(migration.rollback).toBeUndefined();
  });

  it('leaves out one-offs that never ran, keeping the order they imposed between the others', () => {
    const back = rollbackManifest('u1', forward, progress({ 'metadata-migrate-7-2': 'FINISHED', 'search-index-migrate-7-2': 'NOT_RUN' }));
    expect(back.services.map((s) => s.name)).not.toContain('search-index-migrate-7-2');
    expect(deps(back, 'metadata')).toEqual(['ingest', 'query-planner', 'scheduler', 'search']);
  });

  it('looks through a dropped one-off: A → dropped → B still puts A back before B', () => {
    const chain = parseManifest(`
release: "2.0.0"
previous: "1.0.0"
cluster: c
services:
  - { name: db }
  - { name: migrate, oneOff: true, run: migrate, dependsOn: [db] }
  - { name: api, dependsOn: [migrate] }
`);
    const back = rollbackManifest('u1', chain, progress({ migrate: 'NOT_RUN' }));
    expect(back.services.map((s) => [s.name, s.dependsOn])).toEqual([['db', ['api']], ['api', []]]);
  });

  it('refuses, naming the one-offs, when a finished one-off has no rollback command', () => {
    expect(() => rollbackManifest('u7', irreversible, progress({ 'metadata-compact-7-3': 'FINISHED' }))).toThrowError(IrreversibleUpdateError);
    try {
      rollbackManifest('u7', irreversible, progress({ 'metadata-compact-7-3': 'FINISHED' }));
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as IrreversibleUpdateError).oneOffs).toEqual(['metadata-compact-7-3']);
      expect((error as Error).message).toContain('one-off metadata-compact-7-3 has run and declares no `rollback` command');
    }
  });

  it('allows it when the irreversible one-off never finished', () => {
    const back = rollbackManifest('u7', irreversible, progress({ 'metadata-compact-7-3': 'ATTEMPTED' }));
    expect(back.services.map((s) => s.name)).not.toContain('metadata-compact-7-3');
    expect(back.release).toBe('7.2.0');
  });

  it('turns a long-running service\'s rollback into its update command', () => {
    const custom = parseManifest(`
release: "2.0.0"
previous: "1.0.0"
cluster: c
services:
  - { name: api, update: deploy api "$CU_RELEASE", rollback: restore-snapshot api }
`);
    expect(rollbackManifest('u1', custom, new Map()).services[0]).toMatchObject({ name: 'api', update: 'restore-snapshot api' });
  });

  it('refuses when there is no previous release to return to', () => {
    const { previous: _previous, ...withoutPrevious } = forward;
    expect(() => rollbackManifest('u1', withoutPrevious, both)).toThrowError(NothingToRollBackToError);
  });
});
