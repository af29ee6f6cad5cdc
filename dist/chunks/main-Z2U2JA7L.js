import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{deleteServiceAction}from"./chunk-DQ3NFLWR.js";import"./chunk-JMTPHJXI.js";import"./chunk-3D34WHMD.js";import"./chunk-DZLJTDO3.js";import"./chunk-OTSBUZ5R.js";import"./chunk-KBULROPY.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{deleteServiceAction};
