// The public Azure cloud's endpoints: the defaults of the `arm-endpoint` and `authority-host` inputs and of
// the credential code, stated once. A tiny module with no imports, so an action's input definitions (and
// `--help`) can name them without loading the Azure client stack.

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
