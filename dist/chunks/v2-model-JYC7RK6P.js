import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource}from"./chunk-X67LGGCD.js";import"./chunk-54Q7J4JI.js";import"./chunk-7N4ZDPHR.js";import"./chunk-7NCPPOYH.js";import"./chunk-6YRY3X7H.js";export{MODEL_KEYS,isModelUri,loadV2Model,modelFieldsSchema,modelFromSource};
