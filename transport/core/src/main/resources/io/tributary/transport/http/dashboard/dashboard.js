/*
 * The Tributary node's live dashboard. Everything it shows comes from the node's HTTP API on this page's own
 * origin, with the token in the Authorization header: the live tail (/api/stream) and the signals (/api/signals,
 * where the node serves it) are read as server-sent events through fetch, since EventSource cannot send headers.
 * The token is kept in sessionStorage (this tab's session) only: never in a URL, a cookie or localStorage.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'tributary.dashboard.token';
  // where the API is mounted: '' on a node, the prefix where a host serves it under one (the page is <root>/dashboard)
  var ROOT = window.location.pathname.replace(/\/dashboard\/?$/, '');
  var CHART_SECONDS = 120;
  var MAX_ITEMS = 50;
  var STATS_EVERY_MS = 1000;
  var AUDIT_EVERY_MS = 3000;

  var $ = function (id) { return document.getElementById(id); };
  var session = null; // one signed-in run: {token, controllers, timers, stopped}
  var endpoints = {};
  var chart = null;
  var buckets = new Map(); // second -> events committed in it, as the live tail delivered them
  var seqs = []; // positions the tail delivered lately, ascending: the events the last stats did not count yet
  var base = { total: 0, position: 0, lastPosition: 0, vector: {} };
  var nodeId = null;

  function AuthError() { this.name = 'AuthError'; }
  AuthError.prototype = Object.create(Error.prototype);

  function setStatus(text, kind) {
    var s = $('status');
    s.textContent = text;
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function headers(extra) {
    var h = { 'Authorization': 'Bearer ' + session.token, 'Accept': 'application/json' };
    if (extra) { Object.keys(extra).forEach(function (k) { h[k] = extra[k]; }); }
    return h;
  }

  /** One API call: the parsed JSON answer; AuthError on 401, Error with the node's message otherwise. */
  function api(path, options) {
    var s = session;
    var init = Object.assign({ cache: 'no-store', headers: headers() }, options || {});
    return fetch(ROOT + path, init).then(function (res) {
      if (s !== session || s.stopped) { throw new AuthError(); }
      if (res.status === 401) { signOut('The node refused this token: enter it again.'); throw new AuthError(); }
      return res.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        if (!res.ok) {
          var error = new Error(body && body.message ? body.message : path + ': HTTP ' + res.status);
          error.status = res.status;
          throw error;
        }
        reachable();
        return body;
      });
    }, function (e) {
      unreachable();
      throw e;
    });
  }

  function reachable() {
    if (session && !session.stopped) { setStatus('live', 'live'); }
  }

  function unreachable() {
    if (session && !session.stopped) { setStatus('node unreachable: retrying', 'bad'); }
  }

  /**
   * Reads server-sent events from a path with fetch, calling onEvent(name, data, id) per event; reconnects after
   * a failure with Last-Event-ID, backing off up to 5 s. Ends when the session stops or the token is refused.
   */
  function sse(path, onEvent) {
    var s = session;
    var lastId = null;
    var backoff = 500;
    (async function loop() {
      while (!s.stopped) {
        var controller = new AbortController();
        s.controllers.push(controller);
        try {
          var h = headers({ 'Accept': 'text/event-stream' });
          if (lastId !== null) { h['Last-Event-ID'] = lastId; }
          var res = await fetch(ROOT + path, { headers: h, cache: 'no-store', signal: controller.signal });
          if (res.status === 401) { signOut('The node refused this token: enter it again.'); return; }
          if (!res.ok) { throw new Error(path + ': HTTP ' + res.status); }
          reachable();
          backoff = 500;
          var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          var buffer = '';
          for (;;) {
            var chunk = await reader.read();
            if (chunk.done) { break; }
            buffer = (buffer + chunk.value).replace(/\r\n?/g, '\n');
            var end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              var frame = parseFrame(buffer.substring(0, end));
              buffer = buffer.substring(end + 2);
              if (frame.id !== null) { lastId = frame.id; }
              if (frame.data !== null) { onEvent(frame.event, frame.data, frame.id); }
            }
          }
        } catch (e) {
          if (s.stopped) { return; }
          if (e && e.name !== 'AbortError') { unreachable(); }
        }
        if (s.stopped) { return; }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    })();
  }

  function parseFrame(text) {
    var frame = { event: 'message', data: null, id: null };
    text.split('\n').forEach(function (line) {
      if (line === '' || line.charAt(0) === ':') { return; }
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.substring(0, colon);
      var value = colon < 0 ? '' : line.substring(colon + 1).replace(/^ /, '');
      if (field === 'data') { frame.data = frame.data === null ? value : frame.data + '\n' + value; }
      else if (field === 'event') { frame.event = value; }
      else if (field === 'id') { frame.id = value; }
    });
    return frame;
  }

  function every(ms, task) {
    var s = session;
    (async function loop() {
      while (!s.stopped) {
        try { await task(); } catch (e) { if (e instanceof AuthError) { return; } }
        await sleep(ms);
      }
    })();
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  // ---- the node and its counts

  function showCounts() {
    var after = 0;
    for (var i = seqs.length - 1; i >= 0 && seqs[i] > base.position; i--) { after++; }
    $('total-events').textContent = String(base.total + after);
    var last = seqs.length ? Math.max(seqs[seqs.length - 1], base.lastPosition) : base.lastPosition;
    $('last-position').textContent = String(last);
  }

  function showVector(vector) {
    var body = $('vector');
    clear(body);
    Object.keys(vector).sort().forEach(function (origin) {
      var row = document.createElement('tr');
      cell(row, origin, 'mono');
      cell(row, vector[origin]);
      body.appendChild(row);
    });
  }

  function lagOf(local, remote) {
    var lag = 0;
    Object.keys(local).forEach(function (origin) {
      lag += Math.max(0, local[origin] - ((remote && remote[origin]) || 0));
    });
    return lag;
  }

  function showPeers(peers, vector, upstream) {
    var body = $('peers');
    clear(body);
    $('no-peers').hidden = peers.length > 0 || !!upstream;
    peers.forEach(function (p) {
      var lag = typeof p.lagEvents === 'number' ? p.lagEvents : lagOf(vector, p.vector);
      var row = document.createElement('tr');
      row.dataset.peer = p.address;
      cell(row, p.address + (p.direction ? ' (' + p.direction + ')' : ''), 'mono');
      cell(row, p.nodeId || '?', 'mono');
      cell(row, (p.connected ? 'connected' : 'disconnected') + (p.since ? ' since ' + time(p.since) : ''),
        p.connected ? 'up' : 'down');
      cell(row, lag, 'lag' + (lag > 0 ? ' lagging' : ''));
      cell(row, typeof p.lagSeconds === 'number' ? p.lagSeconds.toFixed(1) : '', 'lag-seconds');
      cell(row, p.eventsSent);
      cell(row, p.eventsReceived);
      cell(row, p.lastError || '', 'reason');
      body.appendChild(row);
    });
    if (upstream) {
      var row = document.createElement('tr');
      row.dataset.peer = 'upstream';
      cell(row, upstream.address + ' (upstream)', 'mono');
      cell(row, '');
      cell(row, upstream.lastOutsync ? 'last outsync ' + time(upstream.lastOutsync) : 'no outsync yet');
      cell(row, upstream.lagEvents, 'lag' + (upstream.lagEvents > 0 ? ' lagging' : ''));
      cell(row, typeof upstream.lagSeconds === 'number' ? upstream.lagSeconds.toFixed(1) : '', 'lag-seconds');
      cell(row, '');
      cell(row, '');
      cell(row, upstream.lastError || '', 'reason');
      body.appendChild(row);
    }
  }

  function time(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
  }

  async function refreshStats() {
    var stats = await api('/api/stats');
    base = { total: stats.totalEvents, position: stats.countedPosition, lastPosition: stats.lastPosition,
      vector: stats.vector || {} };
    seqs = seqs.filter(function (p) { return p > base.position; });
    showCounts();
    showVector(base.vector);
    if (!endpoints['/api/peers']) {
      showPeers(stats.peers || [], base.vector, null);
      return;
    }
    try {
      var answer = await api('/api/peers');
      showPeers(answer.peers || [], answer.vector || base.vector, answer.upstream);
    } catch (e) {
      if (e.status !== 403) { throw e; }
      // a user's token: the links are the node's business
      $('no-peers').textContent = 'The peers need the node\'s token.';
      $('no-peers').hidden = false;
    }
  }

  async function refreshConvergence() {
    try {
      var c = await api('/api/convergence');
      $('hash').textContent = c.hash;
      $('hash-entities').textContent = String(c.entities);
    } catch (e) {
      if (e.status === 403) {
        $('hash').textContent = 'needs the node\'s token';
        $('hash-entities').textContent = '';
        return;
      }
      throw e;
    }
  }

  // ---- events per second

  function second(ms) { return Math.floor(ms / 1000); }

  function chartData() {
    var now = second(Date.now());
    var xs = [];
    var ys = [];
    for (var t = now - CHART_SECONDS + 1; t <= now; t++) {
      xs.push(t);
      ys.push(buckets.get(t) || 0);
    }
    buckets.forEach(function (v, t) { if (t < now - CHART_SECONDS) { buckets.delete(t); } });
    return [xs, ys];
  }

  function chartWidth() { return Math.max(300, $('rate-chart').clientWidth || 600); }

  function startChart() {
    if (typeof uPlot !== 'function') {
      $('rate-chart').textContent = 'The chart library did not load.';
      return;
    }
    if (!chart) {
      chart = new uPlot({
        width: chartWidth(),
        height: 220,
        scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(5, max * 1.1)]; } } },
        series: [{}, { label: 'events/s', stroke: '#2a7ab0', width: 2, fill: 'rgba(42,122,176,0.12)' }],
        axes: [{}, { label: 'events/s' }],
        legend: { live: false }
      }, chartData(), $('rate-chart'));
      window.addEventListener('resize', function () { chart.setSize({ width: chartWidth(), height: 220 }); });
    }
    var s = session;
    s.timers.push(setInterval(function () {
      var data = chartData();
      chart.setData(data);
      // the last full second
      $('rate-now').textContent = String(data[1][data[1].length - 2] || 0);
    }, 1000));
  }

  // ---- signals

  function addSignal(kind, text) {
    var list = $('signals');
    var li = document.createElement('li');
    var k = document.createElement('span');
    k.className = 'kind';
    k.textContent = kind;
    li.appendChild(k);
    li.appendChild(document.createTextNode(' ' + new Date().toLocaleTimeString() + ' ' + text));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_ITEMS) { list.removeChild(list.lastChild); }
    $('no-signals').hidden = true;
  }

  function describe(change) {
    return change.operation + ' ' + change.entityType + '/' + change.entityId + ' (' + change.cid + ')';
  }

  function onChange(data) {
    var change = JSON.parse(data);
    var now = second(Date.now());
    buckets.set(now, (buckets.get(now) || 0) + 1);
    if (!seqs.length || change.seq > seqs[seqs.length - 1]) { seqs.push(change.seq); }
    if (seqs.length > 10000) { seqs.splice(0, seqs.length - 10000); }
    showCounts();
    if (!endpoints['/api/signals']) { addSignal('change', describe(change)); }
  }

  function entity(signal) { return signal.entityType + '/' + signal.entityId; }

  function counts(map) {
    return Object.keys(map || {}).map(function (k) { return k + ' ' + map[k]; }).join(', ');
  }

  /** One line for a signal of /api/signals (docs/NODE.md lists the kinds and their fields). */
  function summary(signal) {
    switch (signal.kind) {
      case 'committed':
        return signal.events + (signal.events === 1 ? ' event (' : ' events (') + signal.local + ' local) at '
          + signal.firstSeq + '..' + signal.lastSeq
          + ': ' + counts(signal.types);
      case 'conflict-detected':
        return entity(signal) + ' ' + signal.strategy + ': incoming ' + signal.incoming + ', head ' + signal.head;
      case 'dead-lettered':
        return signal.id + ' ' + signal.code + ' ' + entity(signal) + ': ' + signal.reason;
      case 'remote-applied':
        return signal.applied + ' applied, ' + signal.duplicates + ' duplicates, ' + signal.held + ' held';
      case 'dropped':
        return signal.dropped + ' signals not shown (' + signal.reason + ')';
      default:
        return Object.keys(signal).filter(function (k) { return k !== 'kind' && k !== 'id' && k !== 'time'; })
          .map(function (k) {
            var v = signal[k];
            return k + '=' + (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
          }).join(' ');
    }
  }

  function onSignal(kind, data) {
    if (kind === 'heartbeat') { return; }
    var signal;
    try { signal = JSON.parse(data); } catch (e) { addSignal(kind, data); return; }
    addSignal(signal.kind || kind, summary(signal));
  }

  // ---- conflicts and dead letters

  var conflictCursor = 0;
  var conflictCount = 0;

  async function refreshConflicts() {
    for (;;) {
      var page = await api('/api/conflicts?limit=1000&cursor=' + conflictCursor);
      var body = $('conflicts');
      page.conflicts.forEach(function (c) {
        var row = document.createElement('tr');
        cell(row, c.seq);
        cell(row, c.entityType + '/' + c.entityId, 'mono');
        cell(row, c.strategy);
        cell(row, c.incoming && c.incoming.cid, 'mono');
        cell(row, c.head && c.head.cid, 'mono');
        cell(row, c.winner);
        body.insertBefore(row, body.firstChild);
        conflictCursor = Math.max(conflictCursor, c.seq);
      });
      while (body.children.length > MAX_ITEMS) { body.removeChild(body.lastChild); }
      conflictCount += page.conflicts.length;
      $('conflict-count').textContent = String(conflictCount);
      $('no-conflicts').hidden = conflictCount > 0;
      if (page.cursor === undefined || page.cursor === null) { return; }
      conflictCursor = page.cursor;
    }
  }

  async function refreshDeadLetters() {
    var page = await api('/api/dead-letters?limit=100');
    var body = $('dead-letters');
    clear(body);
    page.deadLetters.forEach(function (d) {
      var row = document.createElement('tr');
      row.dataset.id = d.id;
      cell(row, d.id, 'mono');
      cell(row, d.code);
      cell(row, d.rejectedAt);
      cell(row, d.change ? describe(d.change) + (d.change.userId ? ' user ' + d.change.userId : '') : '');
      cell(row, d.reason, 'reason');
      var td = document.createElement('td');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'replay';
      button.textContent = 'Replay';
      button.addEventListener('click', function () { replay(d.id, button); });
      td.appendChild(button);
      row.appendChild(td);
      body.appendChild(row);
    });
    $('dead-letter-count').textContent = page.cursor ? page.count + '+' : String(page.count);
    $('no-dead-letters').hidden = page.deadLetters.length > 0;
  }

  async function replay(id, button) {
    button.disabled = true;
    var message = $('dead-letter-message');
    try {
      var answer = await api('/api/dead-letters/' + encodeURIComponent(id) + '/replay', { method: 'POST' });
      message.className = '';
      message.textContent = 'Replayed ' + id + ' as ' + answer.change.cid + '.';
    } catch (e) {
      if (e instanceof AuthError) { return; }
      message.className = 'error';
      message.textContent = 'Replaying ' + id + ' failed: ' + e.message;
      button.disabled = false;
    }
    try { await refreshDeadLetters(); } catch (e) { /* the next refresh tells */ }
  }

  // ---- signing in and out

  function showLogin(message) {
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('token').value = '';
    $('token').focus();
    setStatus(message ? 'token refused' : 'signed out', message ? 'bad' : '');
  }

  function stop() {
    if (!session) { return; }
    session.stopped = true;
    session.controllers.forEach(function (c) { c.abort(); });
    session.timers.forEach(function (t) { clearInterval(t); });
    session = null;
  }

  function signOut(message) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  }

  async function start(token) {
    stop();
    session = { token: token, controllers: [], timers: [], stopped: false };
    conflictCursor = 0;
    conflictCount = 0;
    seqs = [];
    clear($('conflicts'));
    clear($('signals'));
    var s = session;
    $('login').hidden = true;
    setStatus('connecting', 'waiting');
    var stats;
    for (;;) {
      try {
        var help = await api('/api/help');
        endpoints = {};
        help.endpoints.forEach(function (e) { endpoints[e.path.slice(ROOT.length)] = true; });
        stats = await api('/api/stats');
        break;
      } catch (e) {
        if (e instanceof AuthError || s.stopped) { return; }
        setStatus(e.status ? 'error: ' + e.message : 'node unreachable: retrying', 'bad');
        await sleep(2000);
      }
    }
    try {
      var health = await api('/health');
      nodeId = health.nodeId;
    } catch (e) {
      if (e instanceof AuthError) { return; }
    }
    $('node-id').textContent = nodeId || '?';
    document.title = 'Tributary node ' + (nodeId || '');
    $('board').hidden = false;
    $('sign-out').hidden = false;
    setStatus('live', 'live');
    startChart();
    base = { total: stats.totalEvents, position: stats.countedPosition, lastPosition: stats.lastPosition,
      vector: stats.vector || {} };
    sse('/api/stream?cursor=' + stats.lastPosition, function (event, data) {
      if (event === 'change') { onChange(data); }
    });
    if (endpoints['/api/signals']) {
      $('signals-source').textContent = '(/api/signals)';
      sse('/api/signals', onSignal);
    } else {
      $('signals-source').textContent = '(changes committed: this node serves no /api/signals)';
    }
    every(STATS_EVERY_MS, refreshStats);
    every(AUDIT_EVERY_MS, refreshDeadLetters);
    every(AUDIT_EVERY_MS, refreshConflicts);
    every(AUDIT_EVERY_MS * 2, refreshConvergence);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (e) {
      e.preventDefault();
      var token = $('token').value.trim();
      if (!token) { $('login-message').textContent = 'Enter the token.'; return; }
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      start(token);
    });
    $('sign-out').addEventListener('click', function () { signOut(''); });
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) { start(token); } else { showLogin(''); }
  });
})();
