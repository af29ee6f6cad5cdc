import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{createDispatcher}from"./chunk-BHQVGZ2A.js";import"./chunk-EVXAHMRI.js";import"./chunk-NUFOGYRU.js";import"./chunk-XSAWRW4E.js";import"./chunk-6YRY3X7H.js";export{createDispatcher};
