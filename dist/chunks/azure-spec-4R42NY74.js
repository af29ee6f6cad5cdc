import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{azureDeploymentSpec}from"./chunk-HFYLFG7K.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{azureDeploymentSpec};
