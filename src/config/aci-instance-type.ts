// Microsoft's suggested managed-endpoint SKU for an ACI service's CPU and memory (migrate-to-v2-managed-
// online-endpoints), with its gaps filled by taking the first row whose upper bounds both cover the
// request. That rule reproduces every published row; above 4 cores or 16 GB there is no answer.

/** Rows in published order: upper CPU bound (cores), upper memory bound (GB), instance type. */
export const ACI_INSTANCE_TYPES: ReadonlyArray<
  readonly [cpu: number, memoryGb: number, instanceType: string]
> = [
  [1, 1.2, 'Standard_DS1_v2'],
  [2, 1.7, 'Standard_F2s_v2'],
  [2, 4.7, 'Standard_DS2_v2'],
  [2, 13.7, 'Standard_E2s_v3'],
  [4, 5.7, 'Standard_F4s_v2'],
  [4, 11.7, 'Standard_DS3_v2'],
  [4, 16, 'Standard_E4s_v3'],
];

/** The instance type for an ACI CPU/memory request, or undefined above 4 cores or 16 GB. */
export function aciInstanceType(cpu: number, memoryGb: number): string | undefined {
  return ACI_INSTANCE_TYPES.find(([maxCpu, maxMemory]) => cpu <= maxCpu && memoryGb <= maxMemory)?.[2];
}
