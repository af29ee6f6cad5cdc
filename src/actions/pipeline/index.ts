import { runOnRunner } from '../run-on-runner.ts';
import { pipelineAction } from './main.ts';

await runOnRunner(pipelineAction);
