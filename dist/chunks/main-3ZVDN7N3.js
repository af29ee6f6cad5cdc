import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{deleteServiceAction}from"./chunk-7UHT4WJG.js";import"./chunk-YURS5MR7.js";import"./chunk-QJSVLKTE.js";import"./chunk-ZQGPKLH6.js";import"./chunk-C2364QBK.js";import"./chunk-2AGCONYU.js";import"./chunk-O2SYOV3P.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{deleteServiceAction};
