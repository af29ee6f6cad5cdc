import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{context,getOctokit}from"./chunk-J2ZLQTCI.js";import"./chunk-242T5ACQ.js";import"./chunk-XSAWRW4E.js";import"./chunk-6YRY3X7H.js";export{context,getOctokit};
