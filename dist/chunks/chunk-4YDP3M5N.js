import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{SecretSet}from"./chunk-IAWVCFIF.js";import{UsageError}from"./chunk-DBUAQ257.js";import{appendFile}from"node:fs/promises";function createCliIO(opts){let secrets=new SecretSet,outputs=new Map,state=new Map,summaryParts=[],exitCode=0,depth=0,summaryTarget=opts.summaryFile??opts.env.GITHUB_STEP_SUMMARY,debugOn=opts.debug??(opts.env.RUNNER_DEBUG==="1"||opts.env.ACTIONS_STEP_DEBUG==="true"),line=text=>{let indent="  ".repeat(depth),body=secrets.redact(text).split(`
`).map(l=>indent+l).join(`
`);opts.streams.stderr.write(`${body}
`)},where=w=>w?.file?`${w.file}${w.line?`:${w.line}${w.column?`:${w.column}`:""}`:""}: `:"";return{secrets,get exitCode(){return exitCode},getInput:name=>{let v=opts.read(name);return v===void 0||v===""?void 0:v},setOutput:(name,value)=>{outputs.set(name,value)},setSecret:value=>secrets.add(value),async writeSummary(markdown){summaryTarget?await appendFile(summaryTarget,`${secrets.redact(markdown)}
`):summaryParts.push(markdown)},saveState:(name,value)=>{state.set(name,value)},getState:name=>state.get(name),fail(message,code){exitCode=code,line(`error: ${message}`)},async getIdToken(){throw new UsageError("a GitHub OIDC ID token exists only inside a GitHub Actions job with `permissions: id-token: write`; outside GitHub use client-secret, AZURE_FEDERATED_TOKEN_FILE or an `az login` session","client-id")},info:m=>line(m),warn:(m,w)=>line(`warning: ${where(w)}${m}`),error:(m,w)=>{w?.file&&m.includes(w.file)||line(`error: ${where(w)}${m}`)},debug:m=>{debugOn&&line(`debug: ${m}`)},async group(title,fn){line(`▸ ${title}`),depth++;try{return await fn()}finally{depth--}},async flush(){summaryParts.length>0&&opts.streams.stderr.write(`
${secrets.redact(summaryParts.join(`
`))}
`);for(let[name,value]of outputs){let oneLine=value.includes(`
`)?JSON.stringify(value):value;opts.streams.stdout.write(`${name}=${secrets.redact(oneLine)}
`)}}}}export{createCliIO};
