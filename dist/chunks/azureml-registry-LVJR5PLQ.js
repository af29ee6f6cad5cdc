import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{AzureModelRegistry,UPLOAD_ROOT}from"./chunk-S4EPWU73.js";import"./chunk-WZR6OKIB.js";import"./chunk-NX5OGOZU.js";import"./chunk-MH46YY3J.js";import"./chunk-DNBTLHUK.js";import"./chunk-ZQGNUVG7.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{AzureModelRegistry,UPLOAD_ROOT};
