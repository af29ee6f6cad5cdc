import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{connectWorkspace}from"./chunk-CENQZSAN.js";import"./chunk-WZR6OKIB.js";import"./chunk-NX5OGOZU.js";import"./chunk-ZQGNUVG7.js";import"./chunk-DBUAQ257.js";import"./chunk-XSAWRW4E.js";import"./chunk-6YRY3X7H.js";export{connectWorkspace};
