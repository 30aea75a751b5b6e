import { finalize } from '../src/workflow/tasks/finalize';
import { taskHandler } from './task-handler';

export const handler = taskHandler('finalize', finalize);
