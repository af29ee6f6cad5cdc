import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{createDispatcher}from"./chunk-5YSS3WA2.js";import"./chunk-EVXAHMRI.js";import"./chunk-NUFOGYRU.js";import"./chunk-3523FAJM.js";import"./chunk-6YRY3X7H.js";export{createDispatcher};
