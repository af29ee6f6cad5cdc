import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{registerModel,registerModelAction,writeRegisterOutputs}from"./chunk-E2K4LWIX.js";import"./chunk-LVN75P63.js";import"./chunk-KBZE4PXN.js";import"./chunk-H43EJL4K.js";import"./chunk-7NCPPOYH.js";import"./chunk-6YRY3X7H.js";export{registerModel,registerModelAction,writeRegisterOutputs};
