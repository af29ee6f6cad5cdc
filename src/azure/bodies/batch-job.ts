// The body of a batch endpoint invoke (`POST {scoringUri}`), as azure-ai-ml's batch_endpoints.invoke
// serializes its single `input=`: the data input keyed by its type (`UriFolder` / `UriFile`, the key the
// service expects for a model deployment's one input), in the SDK's lower camel case. Microsoft's REST
// samples write the same fields in PascalCase (`InputData`, `JobInputType`, `Uri`).

export type BatchInputType = 'UriFolder' | 'UriFile';

export interface BatchInvokeBody {
  properties: {
    inputData: Partial<Record<BatchInputType, { jobInputType: BatchInputType; uri: string }>>;
  };
}

export function batchInvokeBody(input: { type: BatchInputType; uri: string }): BatchInvokeBody {
  return {
    properties: { inputData: { [input.type]: { jobInputType: input.type, uri: input.uri } } },
  };
}
