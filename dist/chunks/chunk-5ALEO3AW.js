import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function clip(text,max=64){return text.length<=max?text:`${text.slice(0,max)}… (${text.length} characters)`}export{clip};
