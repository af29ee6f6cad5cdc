import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{AzureModelRegistry,UPLOAD_ROOT}from"./chunk-EO5RL633.js";import"./chunk-JUHUZSDH.js";import"./chunk-MH46YY3J.js";import"./chunk-VE2RGSD5.js";import"./chunk-ZQGNUVG7.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{AzureModelRegistry,UPLOAD_ROOT};
