/**
 * The offline inspector's single page: HTML, CSS and script inline, no external request (the server's
 * Content-Security-Policy forbids any). The machines' state lists are rendered here from their definitions; the
 * script fills the actor tree and the log from the server's event stream (`events`).
 */
import type { MachineTree, StateTree } from './summarize.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function stateItem(state: StateTree): string {
  const tag =
    state.type === 'atomic' || state.type === 'compound' ? '' : `<span class="tag">${state.type}</span>`;
  const invokes = state.invokes.length
    ? `<span class="invokes">invoke ${escapeHtml(state.invokes.join(', '))}</span>`
    : '';
  const children = state.states.length ? `<ul>${state.states.map(stateItem).join('')}</ul>` : '';
  return `<li data-path="${escapeHtml(state.path)}"><span class="key">${escapeHtml(state.key)}</span>${tag}${invokes}<span class="badge"></span>${children}</li>`;
}

function machineSection(machine: MachineTree): string {
  return `<section class="machine" data-machine="${escapeHtml(machine.id)}"><h3>${escapeHtml(machine.id)}</h3><ul class="states">${machine.states.map(stateItem).join('')}</ul></section>`;
}

const style = `
:root { color-scheme: light; --ink: #1d232b; --muted: #66707c; --line: #d8dde3; --panel: #f6f8fa;
  --active: #0b5cad; --active-bg: #e3effc; --done: #1e7a3d; --done-bg: #e4f4e8; --bad: #b42318; --bad-bg: #fde8e6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 17px; margin: 0; }
header .muted { color: var(--muted); }
#connection { font-weight: 600; }
#connection.live { color: var(--done); }
#connection.lost { color: var(--bad); }
main { display: grid; grid-template-columns: minmax(320px, 5fr) minmax(360px, 6fr); gap: 12px; padding: 12px 16px;
  height: calc(100vh - 48px); }
.column { display: flex; flex-direction: column; gap: 12px; min-height: 0; }
.panel { border: 1px solid var(--line); border-radius: 6px; background: var(--panel); padding: 8px 12px; overflow: auto; min-height: 0; }
.panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 6px; }
#actors-panel { flex: 0 0 auto; max-height: 50%; }
#machines-panel { flex: 1 1 auto; }
#log-panel { display: flex; flex-direction: column; }
ul { list-style: none; margin: 0; padding-left: 16px; }
#actors > ul, .states { padding-left: 0; }
.actor { padding: 1px 0; }
.actor > .line { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.actor .name { font-weight: 600; }
.actor.invocation .name { font-weight: 400; color: var(--muted); }
.machine-id, .src { color: var(--muted); font-size: 12px; }
.state { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; padding: 0 5px; border-radius: 4px;
  background: var(--active-bg); color: var(--active); }
.status { font-size: 12px; padding: 0 5px; border-radius: 4px; border: 1px solid currentColor; }
.status-active { color: var(--active); } .status-pending { color: var(--muted); }
.status-done { color: var(--done); } .status-error { color: var(--bad); } .status-stopped { color: var(--muted); }
.status-done .state { background: var(--done-bg); color: var(--done); }
.state.bad, .status-error .state { background: var(--bad-bg); color: var(--bad); }
.figures { color: var(--muted); font-size: 12px; }
.machine h3 { margin: 8px 0 2px; font-size: 14px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.states li { padding: 1px 0; }
.states .key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; padding: 0 4px; border-radius: 4px; }
.states .tag { margin-left: 6px; font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; }
.states .invokes { margin-left: 6px; font-size: 12px; color: var(--muted); }
.states .badge { margin-left: 6px; font-size: 12px; font-weight: 600; }
.states li.on > .key { background: var(--active-bg); color: var(--active); font-weight: 700; }
.states li.ended > .key { background: var(--done-bg); color: var(--done); font-weight: 700; }
.states li.on > .badge { color: var(--active); } .states li.ended > .badge { color: var(--done); }
.filters { display: flex; gap: 14px; font-size: 13px; color: var(--muted); margin-bottom: 6px; }
#log { flex: 1; overflow: auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; background: #fff;
  border: 1px solid var(--line); border-radius: 4px; padding: 4px 6px; }
#log .row { white-space: nowrap; padding: 1px 0; }
#log .time { color: var(--muted); margin-right: 8px; }
#log .who { font-weight: 600; margin-right: 6px; }
#log .arrow { color: var(--muted); }
#log .on-event { color: var(--muted); margin-left: 6px; }
#log .status { margin-left: 6px; }
#log .row.kind-event, #log .row.kind-actor { color: var(--muted); }
#log.hide-events .row.kind-event, #log.hide-invocations .row.invocation { display: none; }
.empty, .more { color: var(--muted); font-style: italic; }
#log .row.invocation .who { font-weight: 500; color: var(--muted); }
`;

/** Runs in the page. Plain ES2017 without template literals, so it can live in this TypeScript template. */
const script = `
(function () {
  'use strict';
  var actors = new Map();
  var childNames = new Map();
  var lastSeq = 0;
  var received = 0;
  var maxRows = 1500;
  var maxEndedShown = 8;
  var renderQueued = false;
  var logEl = document.getElementById('log');
  var treeEl = document.getElementById('actors');
  var connectionEl = document.getElementById('connection');
  var countsEl = document.getElementById('counts');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pad(number, width) { var text = String(number); while (text.length < width) text = '0' + text; return text; }
  function timeOf(ms) {
    var date = new Date(ms);
    return pad(date.getHours(), 2) + ':' + pad(date.getMinutes(), 2) + ':' + pad(date.getSeconds(), 2) + '.' + pad(date.getMilliseconds(), 3);
  }
  function lastPart(name) { var parts = name.split(' \\u203a '); return parts[parts.length - 1]; }
  function shortEvent(actorKey, type) {
    var match = /^xstate\\.(done|error)\\.actor\\.(.+)$/.exec(type);
    if (match) {
      var name = childNames.get(actorKey + '\\u0000' + match[2]);
      return match[1] + ' ' + (name ? lastPart(name) : match[2]);
    }
    match = /^xstate\\.after\\.([^.]+)\\./.exec(type);
    if (match) return 'after ' + match[1];
    return type;
  }
  function remember(record) {
    actors.set(record.key, record);
    if (record.parent) childNames.set(record.parent + '\\u0000' + record.id, record.name);
  }
  function apply(message) {
    var record = actors.get(message.actor);
    if (message.kind === 'actor') {
      remember({ key: message.actor, id: message.id, name: message.name, parent: message.parent,
        machine: message.machine, src: message.src, state: null, status: 'pending' });
    } else if (message.kind === 'transition' && record) {
      record.state = message.to; record.status = message.status;
      if (message.systemId) record.systemId = message.systemId;
      if (message.figures) record.figures = message.figures;
    } else if (message.kind === 'figures' && record) {
      record.figures = message.figures;
    } else if (message.kind === 'removed') {
      actors.delete(message.actor);
    }
  }
  function logRow(message) {
    if (message.kind === 'removed' || message.kind === 'figures') return;
    if (message.kind === 'actor' && message.parent) childNames.set(message.parent + '\\u0000' + message.id, message.name);
    var known = actors.get(message.actor);
    var machine = message.machine || (known && known.machine);
    var row = el('div', 'row kind-' + message.kind + (machine ? ' machine' : ' invocation'));
    row.dataset.seq = message.seq;
    row.dataset.actor = message.actor;
    row.appendChild(el('span', 'time', timeOf(message.time)));
    row.appendChild(el('span', 'who', message.name));
    if (message.kind === 'transition') {
      if (machine) {
        row.appendChild(el('span', 'from', message.from === null ? '(start)' : message.from));
        row.appendChild(el('span', 'arrow', ' \\u2192 '));
        row.appendChild(el('span', 'to', message.to));
        if (message.status !== 'active') row.appendChild(el('span', 'status status-' + message.status, message.status));
      } else {
        row.appendChild(el('span', 'status status-' + message.status, message.status));
      }
      if (message.event) row.appendChild(el('span', 'on-event', 'on ' + shortEvent(message.actor, message.event)));
      row.dataset.from = message.from === null ? '' : message.from;
      row.dataset.to = message.to === null ? '' : message.to;
      row.dataset.status = message.status;
    } else if (message.kind === 'event') {
      row.appendChild(el('span', 'on-event', 'receives ' + message.event));
    } else if (message.kind === 'actor') {
      row.appendChild(el('span', 'on-event', 'created' + (message.machine ? ' (' + message.machine + ')' : message.src ? ' (' + message.src + ')' : '')));
    }
    var atBottom = logEl.scrollTop + logEl.clientHeight >= logEl.scrollHeight - 4;
    logEl.appendChild(row);
    while (logEl.childElementCount > maxRows) logEl.removeChild(logEl.firstElementChild);
    if (atBottom) logEl.scrollTop = logEl.scrollHeight;
  }
  function figuresText(figures) {
    if (!figures) return '';
    return Object.keys(figures).map(function (key) { return key + ' ' + figures[key]; }).join(' \\u00b7 ');
  }
  function actorItem(record, children) {
    var item = el('li', 'actor status-' + record.status + (record.machine ? ' machine' : ' invocation'));
    item.dataset.actor = record.key;
    item.dataset.id = record.id;
    if (record.machine) item.dataset.machine = record.machine;
    if (record.systemId) item.dataset.systemId = record.systemId;
    var line = el('div', 'line');
    line.appendChild(el('span', 'name', record.parent ? lastPart(record.name) : record.name));
    if (record.machine && record.parent && record.machine !== record.id) line.appendChild(el('span', 'machine-id', record.machine));
    if (record.state !== null && record.state !== undefined) {
      line.appendChild(el('span', 'state' + (/(^|\\.)failed$/.test(record.state) ? ' bad' : ''), record.state));
    }
    line.appendChild(el('span', 'status status-' + record.status, record.status));
    if (record.figures) line.appendChild(el('span', 'figures', figuresText(record.figures)));
    item.appendChild(line);
    var kids = children.get(record.key);
    if (kids && kids.length) {
      var list = el('ul');
      // Finished children beyond the latest few are counted, not listed: a long job keeps the tree short.
      var ended = kids.filter(function (kid) { return kid.status !== 'active' && kid.status !== 'pending'; });
      var hidden = Math.max(0, ended.length - maxEndedShown);
      if (hidden > 0) list.appendChild(el('li', 'more', hidden + ' earlier finished actor' + (hidden === 1 ? '' : 's') + ' not shown'));
      kids.forEach(function (kid) {
        if (hidden > 0 && ended.indexOf(kid) < hidden) return;
        list.appendChild(actorItem(kid, children));
      });
      item.appendChild(list);
    }
    return item;
  }
  function renderTree() {
    var children = new Map();
    var roots = [];
    actors.forEach(function (record) {
      if (record.parent && actors.has(record.parent)) {
        if (!children.has(record.parent)) children.set(record.parent, []);
        children.get(record.parent).push(record);
      } else {
        roots.push(record);
      }
    });
    var list = el('ul');
    roots.forEach(function (record) { list.appendChild(actorItem(record, children)); });
    treeEl.replaceChildren(roots.length ? list : el('p', 'empty', 'No actor yet: start a job with this inspector.'));
  }
  function renderMachines() {
    var counts = new Map();
    actors.forEach(function (record) {
      if (!record.machine || !record.state) return;
      record.state.split(', ').forEach(function (path) {
        var parts = path.split('.');
        for (var i = 1; i <= parts.length; i++) {
          var key = record.machine + '\\u0000' + parts.slice(0, i).join('.');
          var entry = counts.get(key) || { active: 0, ended: 0 };
          if (record.status === 'active') entry.active++; else entry.ended++;
          counts.set(key, entry);
        }
      });
    });
    document.querySelectorAll('.machine').forEach(function (section) {
      var machine = section.dataset.machine;
      section.querySelectorAll('li[data-path]').forEach(function (item) {
        var entry = counts.get(machine + '\\u0000' + item.dataset.path);
        var total = entry ? entry.active + entry.ended : 0;
        item.classList.toggle('on', !!entry && entry.active > 0);
        item.classList.toggle('ended', !!entry && entry.active === 0);
        var badge = item.querySelector(':scope > .badge');
        if (badge) badge.textContent = total > 1 ? '\\u00d7' + total : '';
      });
    });
  }
  function render() {
    renderQueued = false;
    renderTree();
    renderMachines();
    countsEl.textContent = actors.size + ' actors \\u00b7 ' + received + ' messages';
  }
  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }
  function setConnection(text, className) { connectionEl.textContent = text; connectionEl.className = className; }

  document.getElementById('show-events').addEventListener('change', function (event) {
    logEl.classList.toggle('hide-events', !event.target.checked);
  });
  document.getElementById('show-invocations').addEventListener('change', function (event) {
    logEl.classList.toggle('hide-invocations', !event.target.checked);
  });

  var source = new EventSource('events');
  source.addEventListener('sync', function (event) {
    var data = JSON.parse(event.data);
    actors = new Map();
    data.actors.forEach(remember);
    data.messages.forEach(function (message) {
      if (message.seq <= lastSeq) return;
      received++;
      logRow(message);
    });
    lastSeq = Math.max(lastSeq, data.seq);
    document.body.dataset.seq = lastSeq;
    queueRender();
  });
  source.onmessage = function (event) {
    JSON.parse(event.data).forEach(function (message) {
      if (message.seq <= lastSeq) return;
      lastSeq = message.seq;
      received++;
      apply(message);
      logRow(message);
    });
    document.body.dataset.seq = lastSeq;
    queueRender();
  };
  source.onopen = function () { setConnection('live', 'live'); };
  source.onerror = function () { setConnection(source.readyState === 2 ? 'disconnected' : 'reconnecting\\u2026', 'lost'); };
})();
`;

/** The inspector page for `machines`, with `nonce` on its inline script and style (the CSP allows nothing else). */
export function renderInspectorPage(options: { nonce: string; machines: readonly MachineTree[] }): string {
  const nonce = escapeHtml(options.nonce);
  const machines = options.machines.length
    ? options.machines.map(machineSection).join('')
    : '<p class="empty">No machine definitions were given to the inspector.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>to_task inspector</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${style}</style>
</head>
<body>
<header><h1>to_task inspector</h1><span id="connection" class="">connecting…</span><span id="counts" class="muted"></span><span class="muted">offline: this page makes no request outside this server</span></header>
<main>
<div class="column">
<section id="actors-panel" class="panel"><h2>Actors</h2><div id="actors"><p class="empty">Waiting for the event stream…</p></div></section>
<section id="machines-panel" class="panel"><h2>Machines</h2>${machines}</section>
</div>
<section id="log-panel" class="panel"><h2>Transitions</h2>
<div class="filters"><label><input type="checkbox" id="show-invocations"> invocations (promise and callback actors)</label><label><input type="checkbox" id="show-events"> events received</label></div>
<div id="log" class="hide-events hide-invocations"></div>
</section>
</main>
<script nonce="${nonce}">${script}</script>
</body>
</html>
`;
}
