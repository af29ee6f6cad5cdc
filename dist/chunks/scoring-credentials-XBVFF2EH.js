import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{scoringCredentials}from"./chunk-BNITKD5B.js";import"./chunk-7SQLT3PH.js";import"./chunk-NX5OGOZU.js";import"./chunk-6YRY3X7H.js";export{scoringCredentials};
