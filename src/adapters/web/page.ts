// The playground page: plain HTML, a little CSS and vanilla JS. Messages arrive as HTML the
// server escaped; anything the script builds itself (forms, notices, names) is set as text.

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f7;color:#1d2330}
header.top{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:center;padding:10px 14px;background:#25304a;color:#fff}
header.top h1{font-size:17px;margin:0}header.top select{padding:5px 8px;border-radius:6px;border:0;flex:0 1 300px;min-width:0;max-width:100%}
header.top .who{opacity:.8;font-size:13px;overflow-wrap:anywhere}
main{max-width:760px;margin:0 auto;padding:16px 12px 130px}
.msg{background:#fff;border-radius:10px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08);transition:background .6s}
.msg.flash{background:#fff8d6}.msg h3{margin:0 0 6px;font-size:16px}.msg p{margin:6px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.msg dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}.msg dt{color:#667;font-size:13px}.msg dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 2px}
.actions button{padding:6px 12px;border:1px solid #c9cfdb;background:#f8f9fb;border-radius:7px;cursor:pointer;font:inherit}
.actions button:hover{background:#eef1f6}.actions button.primary{background:#2f6fed;border-color:#2f6fed;color:#fff}.actions button.danger{color:#b3261e;border-color:#e3b4b0}
.actions select{padding:6px;border-radius:7px;border:1px solid #c9cfdb;max-width:100%}
.mine{text-align:right;color:#556;font-size:13px;margin:10px 4px;overflow-wrap:anywhere}
.note{font-size:13px;color:#445;background:#e9ecf2;border-radius:8px;padding:7px 12px;margin:8px 0;overflow-wrap:anywhere}.note.error{background:#fbe9e7;color:#8c1d18}
.msg.landing{text-align:left;color:inherit;margin-top:12px}.landing h2{font-size:17px;margin:0 0 6px}
footer.input{position:fixed;left:0;right:0;bottom:0;background:#fff;border-top:1px solid #dde;padding:10px}
footer.input form{max-width:760px;margin:0 auto;display:flex;gap:8px}footer.input input{flex:1;min-width:0;padding:9px 11px;border:1px solid #c9cfdb;border-radius:8px;font:inherit}
footer.input button{padding:9px 16px;border-radius:8px;border:0;background:#2f6fed;color:#fff;font:inherit}
.hint{font-size:12px;color:#667;max-width:760px;margin:4px auto 0}
dialog{border:0;border-radius:12px;padding:18px 20px;width:min(460px,calc(100vw - 24px));max-width:none;box-shadow:0 10px 40px rgba(0,0,0,.25)}
dialog h2{margin:0 0 10px;font-size:17px}dialog label{display:block;margin:10px 0 3px;font-size:13px;color:#445}
dialog input,dialog textarea{width:100%;padding:8px;border:1px solid #c9cfdb;border-radius:7px;font:inherit}dialog textarea{min-height:80px}
dialog .buttons{display:flex;justify-content:flex-end;gap:8px;margin-top:14px}dialog button{padding:7px 14px;border-radius:7px;border:1px solid #c9cfdb;background:#f8f9fb;font:inherit}
dialog button.primary{background:#2f6fed;border-color:#2f6fed;color:#fff}
.empty{color:#667;text-align:center;margin-top:40px}
`;

const SCRIPT = `
const $ = (s) => document.querySelector(s);
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let chat = null, source = null, users = [];
const uid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// A line of the conversation that is no bot message: a notice, or why something failed. It stays,
// like the rest of the conversation, instead of vanishing before it is read.
function note(text, isError) {
  const p = document.createElement('p'); p.className = isError ? 'note error' : 'note'; p.textContent = text;
  if (isError) p.setAttribute('role', 'alert');
  $('#messages').appendChild(p); p.scrollIntoView({ block: 'end' });
}

// The JSON a playground route answers, or null once the failure is told in the conversation.
async function call(url, init) {
  let res;
  try { res = await fetch(url, init); } catch { note('The playground server cannot be reached: is it still running?', true); return null; }
  const body = await res.json().catch(() => null);
  if (res.ok) return body;
  note((body && (body.message || body.error)) || 'The server answered ' + res.status, true);
  return null;
}

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
  const answer = await call('/playground/api/chats/' + chat.chatId + '/inputs', json({ deliveryId: uid(), timezone: zone, ...body }));
  if (!answer) return;
  for (const n of answer.notices || []) note(n);
  if (answer.form) openForm(answer.form);
  await refreshWho();
}

async function say(text) {
  const mine = document.createElement('div'); mine.className = 'mine'; mine.textContent = text; $('#messages').appendChild(mine);
  await send({ kind: 'say', text });
}

function showWho() { $('#who').textContent = 'Chatting as ' + chat.name + ' (' + chat.role + ')'; }

// Who this chat is now: a visitor who signed up is a member, and the header and the list say so.
async function refreshWho() {
  const asked = chat;
  const now = await call('/playground/api/chats/' + asked.chatId);
  if (!now || chat !== asked || (now.name === chat.name && now.role === chat.role)) return;
  if (now.userId && !users.some((u) => u.id === now.userId)) await loadUsers();
  if (chat !== asked) return;
  $('#user').value = now.userId || '';
  chat = now; showWho();
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

function button(label, onclick, primary) {
  const b = document.createElement('button'); b.type = 'button'; b.textContent = label; b.onclick = onclick;
  if (primary) b.className = 'primary';
  return b;
}

// What an empty chat shows: a visitor learns whom to act as, or how to join; anyone else, the commands.
function emptyChat() {
  const box = document.createElement('div'); box.className = 'empty';
  if (chat.role !== 'Guest') { box.textContent = 'Type /help to see the commands.'; return box; }
  box.classList.add('msg', 'landing');
  const h = document.createElement('h2'); h.textContent = 'Welcome to the Coachbot playground';
  const p = document.createElement('p');
  p.textContent = 'Pick someone from the list above to chat as them: a member books sessions (/book, /sessions, /rate), a coach runs their day (/today, /members, /availability). Or stay a new visitor and type /signup to join.';
  const actions = document.createElement('div'); actions.className = 'actions';
  for (const role of ['Member', 'Coach']) {
    const u = users.find((x) => x.role === role);
    if (u) actions.appendChild(button('Act as ' + u.name + ' (' + role.toLowerCase() + ')', () => { $('#user').value = u.id; choose(u.id); }));
  }
  actions.appendChild(button('Sign up: /signup', () => say('/signup'), true));
  box.append(h, p, actions);
  return box;
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
  $('#text').value = ''; await say(text);
});

async function choose(userId) {
  const next = await call('/playground/api/chats', json(userId ? { userId } : {}));
  if (!next) return;
  chat = next; showWho();
  $('#messages').replaceChildren();
  if (source) source.close();
  source = new EventSource('/playground/api/chats/' + chat.chatId + '/events');
  source.onmessage = (e) => { const ev = JSON.parse(e.data); if (ev.type === 'message') put(ev.message); else if (ev.type === 'notice') note(ev.text); };
  source.onopen = async () => {
    const list = await call('/playground/api/chats/' + chat.chatId + '/messages');
    if (!list) return;
    if (!list.length && !$('.empty')) $('#messages').prepend(emptyChat());
    list.forEach(put);
    document.body.dataset.ready = chat.chatId;
  };
  $('#text').focus();
}

async function loadUsers() {
  users = (await call('/playground/api/users')) || [];
  const sel = $('#user');
  const guest = document.createElement('option'); guest.value = ''; guest.textContent = 'New visitor (not signed up)';
  sel.replaceChildren(guest);
  for (const u of users) { const o = document.createElement('option'); o.value = u.id; o.textContent = u.name + ' — ' + u.role; sel.appendChild(o); }
}

(async () => {
  await loadUsers();
  const sel = $('#user');
  sel.onchange = () => choose(sel.value);
  const wanted = new URLSearchParams(location.search).get('user');
  if (wanted !== null) sel.value = wanted;
  await choose(sel.value);
})();
`;

// Drawn inline, so the browser asks the server for no /favicon.ico (which would be a 404).
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%2325304a'/%3E%3Ctext x='16' y='22' font-size='17' font-family='sans-serif' font-weight='700' text-anchor='middle' fill='%23fff'%3ECb%3C/text%3E%3C/svg%3E";

export function playgroundPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Coachbot playground</title><link rel="icon" href="${FAVICON}"><style>${STYLE}</style></head>
<body>
<header class="top"><h1>Coachbot playground</h1><select id="user" aria-label="Act as"></select><span class="who" id="who"></span></header>
<main id="messages" aria-live="polite"></main>
<dialog id="form"><form method="dialog"></form></dialog>
<footer class="input"><form id="say"><input id="text" autocomplete="off" placeholder="Type a command, e.g. /book" aria-label="Message"><button>Send</button></form>
<div class="hint">Member: /signup /book /sessions /next /rate /profile · Coach: /today /members /member &lt;name&gt; /availability</div></footer>
<script type="module">${SCRIPT}</script>
</body></html>`;
}
