import { describe, expect, it } from 'vitest';
import { layoutOf, type ScopeDefinition } from '../../../src/local/stepfunctions/definition-layout';
import { redriveDefinition } from '../../../src/local/stepfunctions/redrive-definition';
import { RunTrace, type TracedEvent } from '../../../src/local/stepfunctions/run-trace';

const definition: ScopeDefinition = {
  StartAt: 'First',
  States: {
    First: { Type: 'Task', Resource: 'arn:aws:lambda:r:1:function:f', Next: 'Check' },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Fan' }], Default: 'First' },
    Fan: {
      Type: 'Parallel', Next: 'Last',
      Branches: [
        { StartAt: 'Solo', States: { Solo: { Type: 'Task', Resource: 'arn:aws:lambda:r:1:function:f', End: true } } },
        {
          StartAt: 'Each', States: {
            Each: {
              Type: 'Map', ItemsPath: '$.items', ItemSelector: { 'v.$': '$$.Map.Item.Value' }, End: true,
              ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:r:1:function:f', Next: 'Pause' }, Pause: { Type: 'Wait', Seconds: 1, End: true } } },
            },
          },
        },
      ],
    },
    Last: { Type: 'Task', Resource: 'arn:aws:lambda:r:1:function:f', End: true },
  },
};
const places = layoutOf(definition);
const entered = (name: string, input: unknown, index?: number): TracedEvent => ({ type: 'StateEntered', state: { name, input }, index });
const exited = (name: string, input: unknown, output: unknown, index?: number): TracedEvent => ({ type: 'StateExited', state: { name, input, output }, index });

function traceOf(events: TracedEvent[]): RunTrace {
  const trace = new RunTrace(places);
  for (const event of events) trace.record(event);
  return trace;
}

describe('the redrive trace and definition (pure)', () => {
  it('a run that stopped in a top-level task resumes there with that task\'s input, through an invisible entry Pass', () => {
    const trace = traceOf([entered('First', { a: 1 })]);
    const redrive = redriveDefinition(definition, trace)!;
    expect(redrive.definition.StartAt).toBe('__cu_redrive_entry');
    expect(redrive.definition.States.__cu_redrive_entry).toEqual({ Type: 'Pass', Result: { a: 1 }, Next: 'First' });
    expect(redrive.definition.States.First).toBe(definition.States.First);
  });

  it('stopped between a task and the next state: continues at the task\'s Next with its output; after a Choice, evaluates the Choice again', () => {
    expect(traceOf([entered('First', { a: 1 }), exited('First', { a: 1 }, { a: 2 })]).resumePoint('')).toEqual({ kind: 'resume', point: { name: 'Check', input: { a: 2 } } });
    expect(traceOf([entered('Check', { go: true }), exited('Check', { go: true }, { go: true })]).resumePoint('')).toEqual({ kind: 'resume', point: { name: 'Check', input: { go: true } } });
  });

  it('a stopped Parallel becomes a copy: the succeeded branch returns its output, the Map keeps its finished iterations and resumes the others where they stood', () => {
    const fanInput = { go: true, items: ['x', 'y', 'z'] };
    const trace = traceOf([
      entered('Fan', fanInput),
      entered('Solo', fanInput), exited('Solo', fanInput, 'solo-done'),
      entered('Each', fanInput),
      entered('Work', { v: 'x' }, 0), exited('Work', { v: 'x' }, { v: 'x', r: 1 }, 0), entered('Pause', { v: 'x', r: 1 }, 0), exited('Pause', { v: 'x', r: 1 }, 'x-done', 0),
      entered('Work', { v: 'y' }, 1), exited('Work', { v: 'y' }, { v: 'y', r: 1 }, 1), entered('Pause', { v: 'y', r: 1 }, 1),
    ]);
    const redrive = redriveDefinition(definition, trace)!;
    expect(redrive.aliases).toEqual({ __cu_redrive_Fan: 'Fan', __cu_redrive_Each: 'Each' });
    expect(redrive.definition.States.__cu_redrive_entry).toMatchObject({ Result: fanInput, Next: '__cu_redrive_Fan' });
    const fan = redrive.definition.States.__cu_redrive_Fan as { Next: string; Branches: ScopeDefinition[] };
    expect(fan.Next).toBe('Last');
    expect(fan.Branches[0]).toEqual({ StartAt: '__cu_redrive_kept', States: { __cu_redrive_kept: { Type: 'Pass', Result: 'solo-done', End: true } } });
    const each = fan.Branches[1]!.States.__cu_redrive_Each as { ItemSelector: unknown; ItemProcessor: ScopeDefinition };
    expect(each.ItemSelector).toEqual({ '__cu_redrive_index.$': '$$.Map.Item.Index', __cu_redrive_item: { 'v.$': '$$.Map.Item.Value' } });
    const processor = each.ItemProcessor;
    expect(processor.StartAt).toBe('__cu_redrive_choose');
    expect(processor.States.__cu_redrive_choose).toMatchObject({
      Choices: [
        { Variable: '$.__cu_redrive_index', NumericEquals: 0, Next: '__cu_redrive_i0_kept' },
        { Variable: '$.__cu_redrive_index', NumericEquals: 1, Next: '__cu_redrive_i1_entry' },
      ],
      Default: '__cu_redrive_unwrap', // iteration 2 never started: it runs from the start with its item
    });
    expect(processor.States.__cu_redrive_i0_kept).toEqual({ Type: 'Pass', Result: 'x-done', End: true });
    expect(processor.States.__cu_redrive_i1_entry).toEqual({ Type: 'Pass', Result: { v: 'y', r: 1 }, Next: 'Pause' });
    expect(processor.States.__cu_redrive_unwrap).toEqual({ Type: 'Pass', InputPath: '$.__cu_redrive_item', Next: 'Work' });
  });

  it('entering a composite state again (a loop) forgets its earlier branches and iterations; a redrive copy keeps them', () => {
    const trace = traceOf([entered('Each', {}), entered('Work', 1, 0), exited('Work', 1, 2, 0), entered('Pause', 2, 0), exited('Pause', 2, 3, 0)]);
    expect(trace.iterations('/Fan#1/Each')).toEqual([0]);
    trace.record(entered('Each', {}), { reentry: true });
    expect(trace.iterations('/Fan#1/Each')).toEqual([0]);
    trace.record(entered('Each', {}));
    expect(trace.iterations('/Fan#1/Each')).toEqual([]);
  });

  it('no trace of the top scope (a journal from before): no redrive definition, the execution reruns from its input', () => {
    expect(redriveDefinition(definition, new RunTrace(places))).toBeUndefined();
  });
});
