import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{deleteServiceAction}from"./chunk-BLCHA2JI.js";import"./chunk-EG27RITY.js";import"./chunk-LVN75P63.js";import"./chunk-AWB62RD6.js";import"./chunk-KBZE4PXN.js";import"./chunk-H43EJL4K.js";import"./chunk-7NCPPOYH.js";import"./chunk-6YRY3X7H.js";export{deleteServiceAction};
