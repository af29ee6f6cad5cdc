import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{connectWorkspace}from"./chunk-HLCZAEBX.js";import"./chunk-JUHUZSDH.js";import"./chunk-ZQGNUVG7.js";import"./chunk-DBUAQ257.js";import"./chunk-XSAWRW4E.js";import"./chunk-6YRY3X7H.js";export{connectWorkspace};
