/**
 * A self-contained API browser: it renders /v1/openapi.json with no external assets, so it
 * works offline and under a strict content security policy.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atrium API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
h2{margin:28px 0 8px;font-size:16px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
details{background:#fff;border:1px solid #d5d9e0;border-radius:6px;margin:6px 0}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{font:600 12px monospace;padding:2px 8px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
.GET{background:#2f7d32}.POST{background:#1565c0}.PUT,.PATCH{background:#a05a00}.DELETE{background:#b3261e}
.p{font-family:monospace}.s{color:#555}.body{padding:0 12px 12px}
pre{background:#f0f2f5;padding:8px;border-radius:4px;overflow:auto;font-size:12px}
.lock{font-size:12px;color:#8a5a00}
</style></head><body><header><h1>Atrium API</h1><div id="v"></div></header><main id="app">Loading…</main>
<script>
fetch('/v1/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('v').textContent='OpenAPI '+doc.openapi+' · version '+doc.info.version;
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [m,op] of Object.entries(ops))
    (byTag[op.tags[0]]=byTag[op.tags[0]]||[]).push({path,m:m.toUpperCase(),op});
  const app=document.getElementById('app');app.textContent='';
  const el=(t,c,x)=>{const e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e};
  for(const [tag,list] of Object.entries(byTag)){
    app.append(el('h2','',tag));
    for(const {path,m,op} of list){
      const d=el('details'),s=el('summary');
      s.append(el('span','m '+m,m),el('span','p',path),el('span','s',op.summary||''));
      if(op.security&&op.security.length)s.append(el('span','lock',(op['x-atrium-scopes']||[]).join('/')+(op['x-atrium-permission']?' · '+op['x-atrium-permission']:'')));
      d.append(s);const b=el('div','body');
      const show=(title,v)=>{b.append(el('h4','',title));b.append(el('pre','',JSON.stringify(v,null,2)))};
      if(op.parameters&&op.parameters.length)show('Parameters',op.parameters);
      if(op.requestBody)show('Request body',Object.values(op.requestBody.content)[0].schema);
      show('Responses',op.responses);d.append(b);app.append(d);
    }
  }
  app.append(el('h2','','Schemas'));const pre=el('pre','',JSON.stringify(doc.components.schemas,null,2));app.append(pre);
}).catch(e=>{document.getElementById('app').textContent='Could not load the API description: '+e});
</script></body></html>`
