import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource}from"./chunk-CVPLC34A.js";import"./chunk-TUN2GN5Q.js";import"./chunk-6YRY3X7H.js";export{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource};
