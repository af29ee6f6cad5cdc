import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{LocalModelRegistry}from"./chunk-HPOSXVBR.js";import"./chunk-G76XL73F.js";import"./chunk-7D3CFDM4.js";import"./chunk-5ALEO3AW.js";import"./chunk-INYHUDUE.js";import"./chunk-6YRY3X7H.js";export{LocalModelRegistry};
