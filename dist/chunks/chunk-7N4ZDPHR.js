import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{statSync}from"node:fs";function pathKind(p){try{return statSync(p).isDirectory()?"folder":"file"}catch{return}}function isUri(text){return/^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(text)}export{pathKind,isUri};
