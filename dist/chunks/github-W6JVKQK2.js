import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{context,getOctokit}from"./chunk-LCVG6XM4.js";import"./chunk-IUKZ3REK.js";import"./chunk-3523FAJM.js";import"./chunk-6YRY3X7H.js";export{context,getOctokit};
