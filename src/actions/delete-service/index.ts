import { runOnRunner } from '../run-on-runner.ts';
import { deleteServiceAction } from './main.ts';

await runOnRunner(deleteServiceAction);
