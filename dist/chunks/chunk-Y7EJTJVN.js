import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var silentLog={info(){},warn(){},error(){},debug(){},group:(_title,fn)=>fn()};export{silentLog};
