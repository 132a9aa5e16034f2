// Asks the app route /json and shows its answer, then talks to the two
// WebSocket routes: /socket echoes, /chat broadcasts.
const $ = (id) => document.getElementById(id);

fetch('/json', { headers: { Accept: 'application/json' } })
  .then((r) => r.json())
  .then((data) => { $('json').textContent = JSON.stringify(data, null, 2); })
  .catch((e) => { $('json').textContent = 'error: ' + e; });

function socketUrl(path) {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
}

// /socket: send one message, show what comes back.
const echo = new WebSocket(socketUrl('/socket'));
const probe = 'hello from the page ' + Date.now();
echo.onopen = () => { $('echo').textContent = 'sent: ' + probe; echo.send(probe); };
echo.onmessage = (e) => {
  $('echo').textContent = 'sent: ' + probe + '\necho: ' + e.data;
  $('echo').dataset.ok = e.data === probe ? 'yes' : 'no';
};
echo.onerror = () => { $('echo').textContent = 'WebSocket error'; };

// /chat: show every line; say hello once the server said which worker we are on.
const chat = new WebSocket(socketUrl('/chat'));
const chatLines = [];
const myLine = 'browser ' + Math.random().toString(36).slice(2, 8) + ' joined';
function showChat(line) {
  chatLines.push(line);
  while (chatLines.length > 20) chatLines.shift();
  $('chat').textContent = chatLines.join('\n');
}
chat.onmessage = (e) => {
  let hello = null;
  try { hello = JSON.parse(e.data); } catch (_) { /* a chat line */ }
  if (hello && hello.type === 'hello') {
    showChat('connected to worker ' + hello.worker + ' (pid ' + hello.pid + ')');
    chat.send(myLine);
    return;
  }
  showChat(e.data);
  if (e.data === myLine) $('chat').dataset.ok = 'yes';
};
chat.onclose = (e) => showChat('closed: ' + e.code + ' ' + e.reason);
$('chat-form').onsubmit = (e) => {
  e.preventDefault();
  if ($('chat-input').value && chat.readyState === WebSocket.OPEN) chat.send($('chat-input').value);
  $('chat-input').value = '';
};
