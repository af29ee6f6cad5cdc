import { runOnRunner } from '../run-on-runner.ts';
import { smokeTestAction } from './main.ts';

await runOnRunner(smokeTestAction);
