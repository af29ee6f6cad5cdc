import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{registerModelAction}from"./chunk-KG674ZO4.js";import"./chunk-EEPBZEGU.js";import"./chunk-ZFZPVNHN.js";import"./chunk-3D34WHMD.js";import"./chunk-DZLJTDO3.js";import"./chunk-OTSBUZ5R.js";import"./chunk-KBULROPY.js";import"./chunk-DBUAQ257.js";import"./chunk-6YRY3X7H.js";export{registerModelAction};
