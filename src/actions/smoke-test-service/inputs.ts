import { azureInputs, targetInputs } from '../shared/common-inputs.ts';
import { input } from '../shared/define-inputs.ts';
import { bool, duration, integer, oneOf, optionalString } from '../shared/input-types.ts';

export const smokeInputs = {
  'scoring-uri': input(optionalString(), {
    description: 'Scoring URI to test (instead of looking up `endpoint-name`).',
  }),
  'endpoint-name': input(optionalString(), {
    description:
      'Endpoint whose scoring URI (and key or token) is looked up in the workspace or the local target.',
  }),
  'deployment-name': input(optionalString(), {
    description:
      'Send requests to this deployment (`azureml-model-deployment` header), whatever its traffic share.',
  }),
  auth: input(oneOf(['auto', 'key', 'aml-token', 'aad', 'none'] as const), {
    description: "Authentication: `auto` (by the endpoint's auth mode), `key`, `aml-token`, `aad` or `none`.",
    default: 'auto',
  }),
  'api-key': input(optionalString(), {
    description: 'Key or token to send as `Authorization: Bearer`.',
    secret: true,
  }),
  'request-file': input(optionalString(), {
    description:
      'Request body file, or a glob (each file is one request; JSON by default, content type by extension).',
  }),
  'request-body': input(optionalString(), { description: 'Inline request body (JSON when it parses).' }),
  headers: input(optionalString(), { description: 'Extra request headers, one `Name: value` per line.' }),
  'expect-status': input(optionalString(), {
    description: 'Expected HTTP status (or a comma-separated list).',
    default: '200',
  }),
  'expect-json': input(optionalString(), {
    description:
      'Expected response: a JSON file or inline JSON that the response must contain (subset match).',
  }),
  expect: input(optionalString(), {
    description:
      'Assertions, one per line: `$.path == value`, `!=`, `~= 1.5 ± 0.01` (or `+/-`), `matches /re/`, `length N`, `type number`, `exists`.',
  }),
  'expect-schema': input(optionalString(), { description: 'JSON Schema file the response must satisfy.' }),
  requests: input(integer({ min: 1, max: 100000 }), {
    description: 'Number of measured requests per request file.',
    default: '1',
  }),
  concurrency: input(integer({ min: 1, max: 256 }), {
    description: 'Requests in flight at once.',
    default: '1',
  }),
  warmup: input(integer({ min: 0, max: 10000 }), {
    description: 'Unmeasured requests per request file before measuring.',
    default: '0',
  }),
  'max-latency-ms': input(duration('milliseconds'), {
    description: 'Latency budget on p95, in milliseconds.',
  }),
  'ready-timeout-seconds': input(duration('seconds', { max: 3600 }), {
    description:
      'How long to retry while the service is not ready (connection refused, 429, 502-504). 424 and other 4xx fail at once.',
    default: '120',
  }),
  'batch-input': input(optionalString(), {
    description:
      "Run a scoring job on the batch endpoint `endpoint-name` over this input instead of sending requests: a local file or folder (uploaded as the job's data input), or an `azureml://` / `https://` URI. `deployment-name` picks a deployment other than the default.",
  }),
  'expect-output-file': input(optionalString(), {
    description:
      "Batch: a file the job's output file must equal, row order ignored (e.g. the expected predictions.csv).",
  }),
  'expect-rows': input(integer({ min: 0 }), {
    description: "Batch: the number of rows the job's output file must have.",
  }),
  'timeout-minutes': input(duration('minutes', { max: 24 * 60 }), {
    description: 'Batch: how long to wait for the job to end (Completed, Failed or Canceled) before failing.',
    default: '30',
  }),
  'fail-on-error': input(bool(), {
    description: 'Fail the step when the smoke test fails (`false`: only report it in the outputs).',
    default: 'true',
  }),
  ...targetInputs,
  ...azureInputs,
};

export const smokeOutputs = {
  passed: { description: '`true` when every request met every expectation and the latency budget.' },
  'status-code': { description: 'HTTP status of the first response.' },
  response: { description: 'Body of the first response (cut at 64 KiB).' },
  requests: { description: 'Number of measured requests sent.' },
  failures: { description: 'Number of failed requests and assertions.' },
  'latency-ms-p50': { description: 'Median latency in milliseconds.' },
  'latency-ms-p95': { description: '95th percentile latency in milliseconds.' },
  'latency-ms-max': { description: 'Highest latency in milliseconds.' },
  'job-name': { description: 'Batch: the name of the scoring job.' },
  'job-state': { description: 'Batch: how the job ended: `Completed`, `Failed` or `Canceled`.' },
  'batch-output': {
    description: "Batch: local folder with the job's downloaded outputs (e.g. predictions.csv).",
  },
  'transcript-file': {
    description:
      'JSON file with the requests and responses (keys and tokens redacted), statistics and failures.',
  },
};
