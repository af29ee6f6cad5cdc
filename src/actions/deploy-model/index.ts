import { runOnRunner } from '../run-on-runner.ts';
import { deployModelAction } from './main.ts';

await runOnRunner(deployModelAction);
