import { runWave } from '../src/workflow/tasks/run-wave';
import { taskHandler } from './task-handler';

export const handler = taskHandler('run-wave', runWave);
