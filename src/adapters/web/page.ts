// The playground page: plain HTML, a little CSS and vanilla JS. Messages arrive as HTML the
// server escaped; anything the script builds itself (forms, notices, names) is set as text.

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f7;color:#1d2330}
header.top{display:flex;gap:12px;align-items:center;padding:10px 18px;background:#25304a;color:#fff}
header.top h1{font-size:17px;margin:0 12px 0 0}header.top select{padding:5px 8px;border-radius:6px;border:0;min-width:260px}
header.top .who{opacity:.8;font-size:13px}
main{max-width:760px;margin:0 auto;padding:16px 16px 110px}
.msg{background:#fff;border-radius:10px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08);transition:background .6s}
.msg.flash{background:#fff8d6}.msg h3{margin:0 0 6px;font-size:16px}.msg p{margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.msg dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}.msg dt{color:#667;font-size:13px}.msg dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 2px}
.actions button{padding:6px 12px;border:1px solid #c9cfdb;background:#f8f9fb;border-radius:7px;cursor:pointer;font:inherit}
.actions button:hover{background:#eef1f6}.actions button.primary{background:#2f6fed;border-color:#2f6fed;color:#fff}.actions button.danger{color:#b3261e;border-color:#e3b4b0}
.actions select{padding:6px;border-radius:7px;border:1px solid #c9cfdb;max-width:100%}
.mine{text-align:right;color:#556;font-size:13px;margin:10px 4px}
footer.input{position:fixed;left:0;right:0;bottom:0;background:#fff;border-top:1px solid #dde;padding:10px}
footer.input form{max-width:760px;margin:0 auto;display:flex;gap:8px}footer.input input{flex:1;padding:9px 11px;border:1px solid #c9cfdb;border-radius:8px;font:inherit}
footer.input button{padding:9px 16px;border-radius:8px;border:0;background:#2f6fed;color:#fff;font:inherit}
.hint{font-size:12px;color:#667;max-width:760px;margin:4px auto 0}
#toast{position:fixed;top:64px;left:50%;transform:translateX(-50%);background:#25304a;color:#fff;padding:9px 16px;border-radius:8px;display:none;max-width:90%;z-index:5}
dialog{border:0;border-radius:12px;padding:18px 20px;min-width:min(460px,92vw);box-shadow:0 10px 40px rgba(0,0,0,.25)}
dialog h2{margin:0 0 10px;font-size:17px}dialog label{display:block;margin:10px 0 3px;font-size:13px;color:#445}
dialog input,dialog textarea{width:100%;padding:8px;border:1px solid #c9cfdb;border-radius:7px;font:inherit}dialog textarea{min-height:80px}
dialog .buttons{display:flex;justify-content:flex-end;gap:8px;margin-top:14px}dialog button{padding:7px 14px;border-radius:7px;border:1px solid #c9cfdb;background:#f8f9fb;font:inherit}
dialog button.primary{background:#2f6fed;border-color:#2f6fed;color:#fff}
.empty{color:#667;text-align:center;margin-top:40px}
`;

const SCRIPT = `
const $ = (s) => document.querySelector(s);
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let chat = null, source = null;
const uid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());

function toast(text) { const t = $('#toast'); t.textContent = text; t.style.display = 'block'; clearTimeout(toast.timer); toast.timer = setTimeout(() => t.style.display = 'none', 4000); }

function put(m) {
  let el = document.getElementById('m-' + m.id);
  if (el && Number(el.dataset.version) >= m.version) return;
  const fresh = !el;
  if (!el) { el = document.createElement('div'); el.className = 'msg'; el.id = 'm-' + m.id; $('#messages').appendChild(el); }
  el.dataset.version = m.version; el.dataset.id = m.id; el.innerHTML = m.html;
  $('.empty') && $('.empty').remove();
  if (!fresh) { el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 900); }
  else el.scrollIntoView({ behavior: 'smooth', block: 'end' });
}

async function send(body) {
  const res = await fetch('/playground/api/chats/' + chat.chatId + '/inputs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deliveryId: uid(), timezone: zone, ...body }) });
  const answer = await res.json();
  if (!res.ok) { toast(answer.message || 'Request failed'); return; }
  for (const n of answer.notices || []) toast(n);
  if (answer.form) openForm(answer.form);
}

function openForm(form) {
  const d = $('#form'); const f = d.querySelector('form'); f.replaceChildren();
  const h = document.createElement('h2'); h.textContent = form.title; f.appendChild(h);
  for (const input of form.inputs) {
    const l = document.createElement('label'); l.textContent = input.label + (input.required ? ' *' : ''); l.htmlFor = 'f-' + input.id;
    const el = document.createElement(input.style === 'paragraph' ? 'textarea' : 'input');
    el.id = 'f-' + input.id; el.name = input.id; el.maxLength = input.maxLength; el.required = input.required;
    if (input.placeholder) el.placeholder = input.placeholder; if (input.initial) el.value = input.initial;
    f.append(l, el);
  }
  const b = document.createElement('div'); b.className = 'buttons';
  const cancel = document.createElement('button'); cancel.type = 'button'; cancel.textContent = 'Cancel'; cancel.onclick = () => d.close();
  const ok = document.createElement('button'); ok.type = 'submit'; ok.className = 'primary'; ok.textContent = form.submitLabel;
  b.append(cancel, ok); f.appendChild(b);
  f.onsubmit = async (e) => { e.preventDefault(); const values = Object.fromEntries(new FormData(f)); d.close(); await send({ kind: 'submit', action: form.submit, values }); };
  d.showModal(); const first = f.querySelector('input,textarea'); first && first.focus();
}

$('#messages').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]'); if (!b) return;
  send({ kind: 'action', action: b.dataset.action, messageId: b.closest('.msg').dataset.id });
});
$('#messages').addEventListener('change', (e) => {
  const s = e.target.closest('select[data-select]'); if (!s || !s.value) return;
  send({ kind: 'action', action: s.value, messageId: s.closest('.msg').dataset.id });
});
$('#say').addEventListener('submit', async (e) => {
  e.preventDefault(); const text = $('#text').value.trim(); if (!text || !chat) return;
  const mine = document.createElement('div'); mine.className = 'mine'; mine.textContent = text; $('#messages').appendChild(mine);
  $('#text').value = ''; await send({ kind: 'say', text });
});

async function choose(userId) {
  const res = await fetch('/playground/api/chats', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(userId ? { userId } : {}) });
  chat = await res.json();
  $('#who').textContent = 'Chatting as ' + chat.name + ' (' + chat.role + ')';
  $('#messages').replaceChildren();
  if (source) source.close();
  source = new EventSource('/playground/api/chats/' + chat.chatId + '/events');
  source.onmessage = (e) => { const ev = JSON.parse(e.data); if (ev.type === 'message') put(ev.message); else if (ev.type === 'notice') toast(ev.text); };
  source.onopen = async () => {
    const list = await (await fetch('/playground/api/chats/' + chat.chatId + '/messages')).json();
    if (!list.length) { const p = document.createElement('p'); p.className = 'empty'; p.textContent = chat.role === 'Guest' ? 'Type /signup to join.' : 'Type /help to see the commands.'; $('#messages').appendChild(p); }
    list.forEach(put);
    document.body.dataset.ready = chat.chatId;
  };
  $('#text').focus();
}

(async () => {
  const users = await (await fetch('/playground/api/users')).json();
  const sel = $('#user');
  const guest = document.createElement('option'); guest.value = ''; guest.textContent = 'New visitor (not signed up)'; sel.appendChild(guest);
  for (const u of users) { const o = document.createElement('option'); o.value = u.id; o.textContent = u.name + ' — ' + u.role; sel.appendChild(o); }
  sel.onchange = () => choose(sel.value);
  const wanted = new URLSearchParams(location.search).get('user');
  if (wanted !== null) sel.value = wanted;
  await choose(sel.value);
})();
`;

export function playgroundPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Coachbot playground</title><style>${STYLE}</style></head>
<body>
<header class="top"><h1>Coachbot playground</h1><select id="user" aria-label="Act as"></select><span class="who" id="who"></span></header>
<main id="messages" aria-live="polite"></main>
<div id="toast" role="status"></div>
<dialog id="form"><form method="dialog"></form></dialog>
<footer class="input"><form id="say"><input id="text" autocomplete="off" placeholder="Type a command, e.g. /book" aria-label="Message"><button>Send</button></form>
<div class="hint">Member: /signup /book /sessions /next /rate /profile · Coach: /today /members /member &lt;name&gt; /availability</div></footer>
<script type="module">${SCRIPT}</script>
</body></html>`;
}
