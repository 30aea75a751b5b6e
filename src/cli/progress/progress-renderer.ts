import type { UpdateView } from '../status/update-view';
import { LineProgress } from './line-progress';
import { TerminalProgress } from './terminal-progress';

/** Shows a stream of views of one update: live in a terminal, as plain lines elsewhere. */
export interface ProgressRenderer {
  update(view: UpdateView): void;
  /** The last view: stops redrawing and prints the outcome. */
  finish(view: UpdateView): void;
}

/** A redrawn display when the stream is a terminal; one line per change otherwise (logs, CI, pipes). */
export function createProgressRenderer(stream: NodeJS.WritableStream & { isTTY?: boolean }): ProgressRenderer {
  return stream.isTTY ? new TerminalProgress(stream as NodeJS.WriteStream) : new LineProgress(stream);
}

/** For `--json`: the watch runs, nothing is drawn. */
export const SILENT_PROGRESS: ProgressRenderer = { update: () => undefined, finish: () => undefined };
