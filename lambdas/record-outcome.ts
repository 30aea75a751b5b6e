import { recordOutcome } from '../src/workflow/tasks/record-outcome';
import { taskHandler } from './task-handler';

export const handler = taskHandler('record-outcome', recordOutcome);
