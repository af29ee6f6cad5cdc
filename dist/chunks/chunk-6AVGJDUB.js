import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function formatDuration(ms){let seconds=Math.round(ms/1e3);return seconds<120?`${seconds} s`:seconds%60===0?`${seconds/60} min`:`${Math.floor(seconds/60)} min ${seconds%60} s`}export{formatDuration};
