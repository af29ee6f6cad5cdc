import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{createDispatcher}from"./chunk-VGZ3JBLT.js";import"./chunk-D57SOJCT.js";import"./chunk-EASL2KXU.js";import"./chunk-XSAWRW4E.js";import"./chunk-6YRY3X7H.js";export{createDispatcher};
