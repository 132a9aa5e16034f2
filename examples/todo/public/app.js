// The todo page: the list from GET /api/todos, changes through the JSON API,
// and a WebSocket on /api/live that says when anyone (any tab, any worker)
// changed something. On each message the page fetches the list again: one
// code path for "what is there", and nothing is missed across reconnects.
'use strict';

const list = document.getElementById('todos');
const form = document.getElementById('add');
const input = document.getElementById('title');
const errorLine = document.getElementById('error');
const liveLine = document.getElementById('live');

// fetch() with a JSON body; throws the server's message on an error status.
async function api(method, path, body) {
  const options = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const res = await fetch(path, options);
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw new Error(err.message || err.error || res.status + ' ' + res.statusText);
  }
  return res.status === 204 ? null : res.json();
}

// Runs an action, showing its error (or clearing the last one).
async function attempt(action) {
  try {
    await action();
    errorLine.textContent = '';
  } catch (e) {
    errorLine.textContent = e.message;
  }
}

// textContent only: titles are user text, never HTML.
function row(todo) {
  const li = document.createElement('li');
  li.dataset.id = todo.id;
  li.className = todo.done ? 'done' : '';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = todo.done;
  box.addEventListener('change', () =>
    attempt(() => api('PATCH', '/api/todos/' + todo.id, { done: box.checked }).then(refresh)));
  const title = document.createElement('span');
  title.textContent = todo.title;
  const remove = document.createElement('button');
  remove.textContent = '✕';
  remove.title = 'Delete';
  remove.addEventListener('click', () => attempt(() => api('DELETE', '/api/todos/' + todo.id).then(refresh)));
  li.append(box, title, remove);
  return li;
}

// Fetches are answered in any order; only the latest one is drawn.
let generation = 0;
async function refresh() {
  const mine = ++generation;
  const todos = await api('GET', '/api/todos');
  if (mine === generation) list.replaceChildren(...todos.map(row));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/api/todos', { title: input.value });
    input.value = '';
    await refresh();
  });
});

// The live channel; reconnects after a second when the server goes away.
function connect() {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const ws = new WebSocket(scheme + location.host + '/api/live');
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'hello') {
      liveLine.textContent = 'live (worker ' + message.worker + ')';
      document.body.dataset.worker = message.worker;
      document.body.dataset.live = 'yes';
    }
    attempt(refresh);  // also on hello: catch up on what happened while away
  };
  ws.onclose = () => {
    document.body.dataset.live = 'no';
    liveLine.textContent = 'reconnecting…';
    setTimeout(connect, 1000);
  };
}

attempt(refresh);
connect();
