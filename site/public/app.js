// Asks the app route /json and shows its answer.
fetch('/json', { headers: { Accept: 'application/json' } })
  .then((r) => r.json())
  .then((data) => { document.getElementById('json').textContent = JSON.stringify(data, null, 2); })
  .catch((e) => { document.getElementById('json').textContent = 'error: ' + e; });
