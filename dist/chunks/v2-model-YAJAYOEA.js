import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource}from"./chunk-HZ3QM4KW.js";import"./chunk-QRA6VF2I.js";import"./chunk-7N4ZDPHR.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource};
