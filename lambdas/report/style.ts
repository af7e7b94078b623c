/** The report's stylesheet, inlined into the page. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Arial,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
header,nav,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:18px}h1{font-size:22px;margin:8px 0}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #d8dde5;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 8px}h4{font-size:14px;margin:14px 0 6px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eceff3;padding:1px 4px;border-radius:3px}
nav{padding-top:4px;padding-bottom:8px;color:#5b6573}a{color:#2f6fb3}
section{background:#fff;border:1px solid #e1e5eb;border-radius:8px;padding:4px 18px 16px;margin:16px 0}
.numbers{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.numbers div{background:#f1f4f8;border-radius:6px;padding:6px 12px;min-width:90px}
.numbers .label{display:block;font-size:12px;color:#5b6573}.numbers .value{font-size:20px;font-weight:600}
table{border-collapse:collapse;margin:6px 0 10px}th,td{text-align:left;padding:3px 10px;border-bottom:1px solid #edf0f4;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#6b7583}.error{color:#a3332c}.warning{background:#fff6dd;border-left:4px solid #d9a400;padding:4px 8px}.status-SUCCEEDED{color:#2e7d4a}.status-FAILED{color:#a3332c}
figure{margin:0}.chart svg{max-width:100%;height:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.card{background:#fafbfc;border:1px solid #e4e8ee;border-radius:6px;padding:8px;overflow:hidden}
.card img{display:block;margin:0 auto 6px;max-width:100%;height:auto;border-radius:3px}
.placeholder{height:120px;display:flex;flex-direction:column;align-items:center;justify-content:center;text-align:center;
background:repeating-linear-gradient(45deg,#f3e3e1,#f3e3e1 8px,#f8efee 8px,#f8efee 16px);color:#7b2d27;border-radius:3px;margin-bottom:6px;font-size:12px;padding:4px}
.key{font:11px ui-monospace,monospace;color:#5b6573}.detail{font-size:12px;color:#a3332c}.text{font-size:12px}
.grid.kept{grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
dl.captions{margin:4px 0 0;font-size:12px;display:grid;grid-template-columns:1fr 1fr;grid-auto-flow:column;grid-template-rows:auto auto;column-gap:10px}dl.captions dt{font-weight:600;color:#5b6573}dl.captions dd{margin:0 0 4px}
pre.log{font:11.5px ui-monospace,monospace;background:#1d2430;color:#e8ebef;padding:8px;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
li.cause{margin:4px 0;overflow-wrap:anywhere}header p,.error{overflow-wrap:anywhere}
summary{cursor:pointer}summary h2{display:inline-block;border:0;margin:16px 0 6px}
table.funnel td:first-child{min-width:9em}
.histograms{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:6px 16px}
.histogram figcaption{font-size:13px;overflow-wrap:anywhere}
@media (max-width:600px){header,nav,main,footer{padding:0 8px}section{padding:4px 8px 12px}
table{display:block;max-width:100%;overflow-x:auto}.numbers div{min-width:70px;padding:4px 8px}
.grid.kept{grid-template-columns:1fr}dl.captions{grid-template-columns:1fr;grid-auto-flow:row;grid-template-rows:none}
code{overflow-wrap:anywhere;word-break:break-word}h1{font-size:18px;overflow-wrap:anywhere}}
footer{color:#6b7583;padding-bottom:30px}
`;
