'use strict';
// camgate web panel: sign in, a live grid of every stream (WHEP, falling back
// to LL-HLS, then snapshots; state changes and camera motion come through
// /api/v1/events), a big player with the stream's URLs (and a PTZ
// pad for ONVIF cameras that steer), the stream form (errors shown next to
// their field), ONVIF discovery, recordings, the cluster's nodes and
// owners (moving a stream to another node), and the box itself (System).
// Plain JS served from the gateway itself: no CDN, no build step.

const $ = (selector, root = document) => root.querySelector(selector);
const state = { me: null, info: null, streams: [], tiles: new Map(),
  player: null, playing: null, editing: null, timer: null, events: null,
  alarms: new Map() };

// Every call says it is the panel: the gateway then answers 401 without a
// Basic challenge, which would pop up the browser's own dialog.
async function api(path, options = {}) {
  const headers = { 'X-Requested-With': 'camgate-panel', ...(options.headers || {}) };
  const init = { method: options.method || 'GET', headers, credentials: 'same-origin' };
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.json);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await res.json() : null;
  if (res.status === 401 && !path.startsWith('/api/v1/auth')) showLogin();
  return { status: res.status, ok: res.ok, body };
}

const can = (what, stream) => {
  if (!state.me || !state.me.auth) return true;
  const list = stream ? (stream.permissions || '') : (state.me.permissions || '');
  return list.split(',').includes(what);
};

// ---- WebRTC (WHEP) and LL-HLS playback --------------------------------------

const gathered = (pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve();
  const timer = setTimeout(resolve, 2000);
  pc.addEventListener('icegatheringstatechange', () => {
    if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
  });
});

async function playWhep(video, name, onFail) {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  let session = null, closed = false;
  const close = () => {
    closed = true;
    if (session) fetch(session, { method: 'DELETE', keepalive: true,
      credentials: 'same-origin' }).catch(() => {});
    pc.close();
  };
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  pc.ontrack = (e) => {
    if (!video.srcObject) video.srcObject = new MediaStream();
    video.srcObject.addTrack(e.track);
  };
  pc.onconnectionstatechange = () => {
    if (!closed && pc.connectionState === 'failed') { close(); onFail('failed'); }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const res = await fetch('/' + encodeURIComponent(name) + '/whep', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/sdp', 'X-Requested-With': 'camgate-panel' },
    body: pc.localDescription.sdp,
  });
  const text = await res.text();
  if (res.status !== 201) {
    pc.close();
    let reason = text;
    try { reason = JSON.parse(text).error; } catch (e) { /* SDP or text */ }
    const error = new Error('WHEP ' + res.status + ': ' + reason);
    // 503 + Retry-After: the stream has no media yet (a camera still
    // connecting) or is full for now; worth asking again.
    if (res.status === 503) error.retryAfter = Number(res.headers.get('Retry-After')) || 0;
    throw error;
  }
  session = new URL(res.headers.get('Location'), location.href).href;
  await pc.setRemoteDescription({ type: 'answer', sdp: text });
  return { kind: 'webrtc', close };
}

// hls.js (400 kB) is fetched only when a stream needs it: the panel itself
// loads in a few kB.
let hlsLoading = null;
function loadHls() {
  if (window.Hls) return Promise.resolve();
  if (!hlsLoading) {
    hlsLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/static/hls.min.js';
      script.onload = resolve;
      script.onerror = () => { hlsLoading = null; reject(new Error('cannot load hls.js')); };
      document.head.appendChild(script);
    });
  }
  return hlsLoading;
}

async function playHls(video, name) {
  await loadHls().catch(() => {});
  const url = '/' + encodeURIComponent(name) + '/index.m3u8';
  if (window.Hls && Hls.isSupported()) {
    const hls = new Hls({ lowLatencyMode: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    return { kind: 'hls', close: () => hls.destroy() };
  }
  video.src = url;                       // Safari plays HLS itself
  return { kind: 'hls', close: () => { video.removeAttribute('src'); video.load(); } };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// How long a preview keeps asking a stream that has no media yet (a camera
// just added, still connecting) before it falls back.
const WHEP_WAIT_S = 30;

// WebRTC first, LL-HLS when WebRTC is off or fails, else a snapshot.
async function play(video, stream, onState) {
  const outputs = stream.outputs || {};
  for (let waited = 0; outputs.webrtc;) {
    try {
      const p = await playWhep(video, stream.name, () => onState('webrtc failed'));
      onState('webrtc');
      return p;
    } catch (e) {
      onState(String(e.message || e));
      if (!e.retryAfter || waited >= WHEP_WAIT_S) break;
      await sleep(e.retryAfter * 1000);
      waited += e.retryAfter;
    }
  }
  if (outputs.hls) { onState('hls'); return await playHls(video, stream.name); }
  return null;
}

// ---- stream grid -------------------------------------------------------------

function formatBitrate(bits) {
  if (!bits) return '—';
  return bits > 1e6 ? (bits / 1e6).toFixed(1) + ' Mbit/s' : Math.round(bits / 1e3) + ' kbit/s';
}

function videoTrack(stream) {
  return ((stream.health || {}).tracks || []).find((t) => t.media === 'video') || {};
}

function makeTile(stream) {
  const tile = document.createElement('article');
  tile.className = 'card tile';
  tile.dataset.stream = stream.name;
  tile.innerHTML = '<video muted autoplay playsinline></video>' +
    '<div class="info"><div class="line"><strong class="name"></strong>' +
    '<span class="alarm" hidden></span><span class="badge"></span></div><div class="reasons"></div>' +
    '<div class="stats"></div><div class="push"></div></div>';
  $('.name', tile).textContent = stream.name;
  tile.addEventListener('click', () => openPlayer(tile.dataset.stream));
  const entry = { tile, video: $('video', tile), playback: null, stream, hideTimer: null };
  state.tiles.set(stream.name, entry);
  showAlarms(stream.name);
  visibility.observe(tile);
  return tile;
}

// Previews play only while their tile is on screen (each is a WHEP session
// on the gateway); one scrolled away stops after 10 s.
const visibility = new IntersectionObserver((changes) => {
  for (const change of changes) {
    const entry = state.tiles.get(change.target.dataset.stream);
    if (!entry) continue;
    clearTimeout(entry.hideTimer);
    if (change.isIntersecting && !entry.playback) startPreview(entry, entry.stream);
    if (!change.isIntersecting && entry.playback) {
      entry.hideTimer = setTimeout(() => {
        if (entry.playback) entry.playback.close();
        entry.playback = null;
      }, 10000);
    }
  }
});

async function startPreview(entry, stream) {
  if (entry.playback) entry.playback.close();
  entry.playback = { kind: 'starting', close: () => {} };
  entry.video.srcObject = null;
  // An on-demand camera is not connected for a preview: its tile shows the
  // last run's snapshot (the big player plays it live).
  const onDemand = stream.source && stream.source.on_demand;
  entry.playback = onDemand ? null : await play(entry.video, stream, (how) => {
    entry.tile.dataset.playback = how;
    if (how === 'webrtc failed') setTimeout(() => startPreview(entry, stream), 3000);
  });
  if (!state.tiles.has(stream.name) && entry.playback) {
    entry.playback.close();           // removed while it was starting
    return;
  }
  if (!entry.playback) {
    // No browser output: a fresh snapshot every 5 s.
    let img = $('img', entry.tile);
    if (!img) {
      img = document.createElement('img');
      img.alt = stream.name;
      entry.video.replaceWith(img);
    }
    const refresh = () => { img.src = '/api/v1/streams/' + encodeURIComponent(stream.name) +
      '/snapshot.jpg?t=' + Date.now(); };
    refresh();
    const timer = setInterval(refresh, 5000);
    entry.playback = { kind: 'snapshot', close: () => clearInterval(timer) };
    entry.tile.dataset.playback = 'snapshot';
  }
}

function updateTile(entry, stream) {
  const health = stream.health || {};
  const badge = $('.badge', entry.tile);
  const status = stream.state === 'running' ? (health.state || 'unknown') : stream.state;
  badge.textContent = status;
  badge.className = 'badge ' + status;
  $('.reasons', entry.tile).textContent = (health.reasons || []).join(', ') ||
    (stream.state !== 'running' ? stream.last_error || '' : '');
  const v = videoTrack(stream);
  const viewers = (stream.viewers || {});
  const publisher = stream.publisher;
  $('.stats', entry.tile).textContent = [
    (v.codec || '') + ' ' + formatBitrate(v.bitrate),
    (v.fps ? v.fps.toFixed(1) : '—') + ' fps',
    // Snapshot requests are left out: the panel's own tiles make them.
    ((viewers.rtsp || 0) + (viewers.webrtc || 0) + (viewers.hls || 0)) +
      ' viewers'].concat(publisher ? [publisher.protocol +
      (publisher.address ? ' from ' + publisher.address : '') + ' since ' +
      new Date(publisher.since).toLocaleTimeString()] : []).join(' · ');
  // Where the stream is pushed (URLs come without their stream keys).
  $('.push', entry.tile).textContent = (stream.push || []).map((p) =>
    '→ ' + p.url + ' ' + p.state + (p.state !== 'connected' && p.last_error ?
      ' (' + p.last_error + ')' : '')).join('\n');
}

// ---- live events (Server-Sent Events) -----------------------------------------
// A stream's state or health change refreshes the grid at once (the 2 s poll
// still brings bitrates and viewers); a camera's motion, tamper or input shows
// on its tile while it lasts.

function followEvents() {
  if (state.events) state.events.close();
  state.alarms.clear();
  const source = new EventSource('/api/v1/events');
  state.events = source;
  let pending = null;
  const refresh = () => {
    clearTimeout(pending);
    pending = setTimeout(refreshStreams, 100);
  };
  source.addEventListener('stream.state', refresh);
  source.addEventListener('stream.health', refresh);
  // Owners moving, nodes coming and going: the Cluster page follows.
  for (const type of ['cluster.owner', 'cluster.node']) {
    source.addEventListener(type, () => { if (!$('#cluster').hidden) showCluster(); });
  }
  for (const kind of ['motion', 'tamper', 'input']) {
    source.addEventListener('camera.' + kind, (message) => {
      const event = JSON.parse(message.data);
      const on = state.alarms.get(event.stream) || new Set();
      if (event.state === 'start') on.add(kind); else on.delete(kind);
      state.alarms.set(event.stream, on);
      showAlarms(event.stream);
    });
  }
}

function showAlarms(name) {
  const entry = state.tiles.get(name);
  if (!entry) return;
  const on = [...(state.alarms.get(name) || [])];
  const alarm = $('.alarm', entry.tile);
  alarm.textContent = on.join(' ');
  alarm.hidden = on.length === 0;
}

async function refreshStreams() {
  const res = await api('/api/v1/streams');
  if (!res.ok) return;
  state.streams = res.body.streams;
  const grid = $('#grid');
  const names = new Set(state.streams.map((s) => s.name));
  for (const [name, entry] of state.tiles) {
    if (!names.has(name)) {
      visibility.unobserve(entry.tile);
      clearTimeout(entry.hideTimer);
      if (entry.playback) entry.playback.close();
      entry.tile.remove();
      state.tiles.delete(name);
    }
  }
  for (const stream of state.streams) {
    const entry = state.tiles.get(stream.name);
    if (!entry) grid.appendChild(makeTile(stream));
    else entry.stream = stream;
    updateTile(state.tiles.get(stream.name), stream);
  }
  $('#no-streams').hidden = state.streams.length > 0;
}

// ---- big player and URLs ---------------------------------------------------------

function urlsOf(name) {
  const host = location.hostname.includes(':') ? '[' + location.hostname + ']' : location.hostname;
  const path = '/' + encodeURIComponent(name);
  const out = [];
  const info = state.info || {};
  if (info.rtsp_port) out.push(['RTSP', 'rtsp://' + host + ':' + info.rtsp_port + path]);
  if (info.rtsps_port) out.push(['RTSPS', 'rtsps://' + host + ':' + info.rtsps_port + path]);
  out.push(['WHEP', location.origin + path + '/whep']);
  out.push(['WebRTC player', location.origin + path + '/webrtc']);
  // HLS and DASH list the renditions too (adaptive bitrate).
  out.push(['HLS', location.origin + path + '/index.m3u8']);
  out.push(['DASH', location.origin + path + '/manifest.mpd']);
  // Each configured rendition over RTSP, WebRTC and LL-HLS alone.
  const stream = state.streams.find((s) => s.name === name) || {};
  for (const r of stream.renditions || []) {
    if (r.automatic) continue;
    const label = r.name + ' (' + r.height + 'p, ' + Math.round(r.bitrate / 1000) + ' kbit/s)';
    if (info.rtsp_port) out.push(['RTSP ' + label, 'rtsp://' + host + ':' + info.rtsp_port + path + '/' + encodeURIComponent(r.name)]);
    out.push(['WebRTC player ' + label, location.origin + path + '/webrtc?rendition=' + encodeURIComponent(r.name)]);
    out.push(['HLS ' + label, location.origin + path + '/' + encodeURIComponent(r.name) + '/stream.m3u8']);
  }
  return out;
}

async function openPlayer(name) {
  const stream = state.streams.find((s) => s.name === name);
  if (!stream) return;
  state.playing = stream;
  $('#player-title').textContent = name;
  const table = $('#player-urls');
  table.textContent = '';
  for (const [label, url] of urlsOf(name)) {
    const row = table.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = url;
    const copy = document.createElement('button');
    copy.textContent = 'Copy';
    copy.onclick = () => navigator.clipboard && navigator.clipboard.writeText(url);
    row.insertCell().appendChild(copy);
  }
  $('#player .actions').hidden = !can('api', stream);
  showPtz(stream);
  $('#player').showModal();
  const video = $('#player-video');
  video.srcObject = null;
  state.player = await play(video, stream, (how) => { $('#player-state').textContent = how; });
}

function closePlayer() {
  endMove();
  if (state.player) state.player.close();
  state.player = null;
  $('#player').close();
}

// ---- PTZ: the big player's pad, for ONVIF cameras that steer -----------------

const ptz = { stream: null, timer: null };
const ptzPath = (name) => '/api/v1/streams/' + encodeURIComponent(name) + '/ptz';

// The pad shows only when the camera answers for its presets: a camera
// without PTZ answers 409.
async function showPtz(stream) {
  endMove();
  $('#ptz').hidden = true;
  $('#ptz-state').textContent = '';
  ptz.stream = null;
  const uri = (stream.source && stream.source.uri) || '';
  if (!uri.startsWith('onvif://') || !can('control', stream)) return;
  const res = await api(ptzPath(stream.name) + '/presets');
  if (!res.ok || state.playing !== stream) return;
  ptz.stream = stream.name;
  fillPresets(res.body.presets);
  $('#ptz').hidden = false;
}

function fillPresets(presets) {
  const select = $('#ptz-presets');
  select.textContent = '';
  for (const p of presets) select.add(new Option(p.name || p.token, p.token));
  $('#ptz-goto').disabled = presets.length === 0;
}

async function ptzCommand(command) {
  if (!ptz.stream) return null;
  const res = await api(ptzPath(ptz.stream), { method: 'POST', json: command });
  $('#ptz-state').textContent = res.ok ? '' : (res.body && res.body.error) || 'HTTP ' + res.status;
  return res;
}

// Hold to move: a one-second move, renewed while held (the gateway stops
// the camera if the renewals stop coming); releasing stops it at once.
function startMove(velocity) {
  endMove();
  const send = () => ptzCommand({ move: velocity, timeout: '1s' });
  send();
  ptz.timer = setInterval(send, 600);
}

function endMove() {
  if (!ptz.timer) return;
  clearInterval(ptz.timer);
  ptz.timer = null;
  ptzCommand({ stop: true });
}

async function savePreset() {
  const name = $('#ptz-name').value.trim();
  if (!name) return;
  const res = await ptzCommand({ 'set-preset': name });
  if (!res || !res.ok) return;
  $('#ptz-name').value = '';
  const list = await api(ptzPath(ptz.stream) + '/presets');
  if (list.ok) fillPresets(list.body.presets);
}

function wirePtz() {
  $('#ptz').querySelectorAll('[data-pan], [data-zoom]').forEach((button) => {
    const velocity = button.dataset.zoom !== undefined ? { zoom: Number(button.dataset.zoom) }
      : { pan: Number(button.dataset.pan), tilt: Number(button.dataset.tilt) };
    button.addEventListener('pointerdown', (e) => { button.setPointerCapture(e.pointerId); startMove(velocity); });
    for (const end of ['pointerup', 'pointercancel', 'lostpointercapture']) button.addEventListener(end, endMove);
  });
  $('#ptz-goto').addEventListener('click', () => ptzCommand({ 'goto-preset': $('#ptz-presets').value }));
  $('#ptz-save').addEventListener('click', savePreset);
}

// ---- add / edit / delete ---------------------------------------------------------

function openEditor(stream) {
  const form = $('#stream-form');
  form.reset();
  form.querySelectorAll('.error').forEach((e) => { e.textContent = ''; });
  state.editing = stream || null;
  $('#editor-title').textContent = stream ? 'Edit ' + stream.name : 'Add stream';
  form.name.value = stream ? stream.name : '';
  form.name.readOnly = !!stream;
  const source = stream ? stream.source || {} : {};
  form.kind.value = stream ? source.kind : 'rtsp';
  form.uri.value = '';
  form.uri.placeholder = source.uri || 'rtsp://user:password@camera/stream1';
  form.transport.value = source.transport || 'auto';
  form.webrtc.checked = stream ? !!stream.outputs.webrtc : true;
  form.hls.checked = stream ? !!stream.outputs.hls : false;
  form.record.checked = stream ? !!stream.recording : false;
  showKind();
  $('#editor').showModal();
}

function showKind() {
  const kind = $('#stream-form').kind.value;
  document.querySelectorAll('[data-kind]').forEach((e) => { e.hidden = e.dataset.kind !== kind; });
}

function formDocument(form, editing) {
  const doc = {};
  const kind = form.kind.value;
  const sourceChanged = !editing || editing.source.kind !== kind || form.uri.value ||
    (kind === 'rtsp' && form.transport.value !== (editing.source.transport || 'auto'));
  if (sourceChanged) {
    if (kind === 'rtsp') {
      // Editing without a new URI keeps the camera's (redacted) one.
      doc.source = form.uri.value ? { uri: form.uri.value, transport: form.transport.value }
        : { transport: form.transport.value };
    } else {
      doc.source = kind;
    }
  }
  doc.outputs = { webrtc: form.webrtc.checked, hls: form.hls.checked ? {} : null };
  if (form.record.checked) doc.record = form.keep.value ? { keep: form.keep.value } : {};
  else if (editing) doc.record = null;
  if (!editing) {
    doc.name = form.name.value;
    if (!doc.outputs.hls) delete doc.outputs.hls;
  }
  return doc;
}

function showErrors(form, body) {
  form.querySelectorAll('.error').forEach((e) => { e.textContent = ''; });
  const errors = (body && (body.errors || [body.error])) || ['request failed'];
  for (const text of errors) {
    const key = String(text).split(/[:.[]/)[0];
    const slot = form.querySelector('.error[data-field="' + key + '"]') ||
      form.querySelector('.error[data-field=""]');
    slot.textContent = (slot.textContent ? slot.textContent + '; ' : '') + text;
  }
}

async function saveStream(event) {
  event.preventDefault();
  const form = $('#stream-form');
  const editing = state.editing;
  const doc = formDocument(form, editing);
  const res = editing
    ? await api('/api/v1/streams/' + encodeURIComponent(editing.name), { method: 'PATCH', json: doc })
    : await api('/api/v1/streams', { method: 'POST', json: doc });
  if (!res.ok) return showErrors(form, res.body);
  $('#editor').close();
  // A changed stream gets a fresh tile (its outputs may differ).
  const entry = state.tiles.get(res.body.name);
  if (entry) {
    visibility.unobserve(entry.tile);
    if (entry.playback) entry.playback.close();
    entry.tile.remove();
    state.tiles.delete(res.body.name);
  }
  await refreshStreams();
}

async function deleteStream() {
  const stream = state.playing;
  if (!stream || !confirm('Delete stream ' + stream.name + '? Its pipeline file is removed.')) return;
  const res = await api('/api/v1/streams/' + encodeURIComponent(stream.name), { method: 'DELETE' });
  if (!res.ok) return alert(res.body ? res.body.error : 'delete failed');
  closePlayer();
  await refreshStreams();
}

// ---- ONVIF cameras -----------------------------------------------------------------

async function showCameras() {
  const list = $('#camera-list');
  const res = await api('/api/v1/cameras');
  list.textContent = '';
  if (!res.ok) { list.textContent = res.body ? res.body.error : 'cannot list cameras'; return; }
  if (!res.body.cameras.length) { list.textContent = 'No ONVIF camera found (yet).'; return; }
  for (const cam of res.body.cameras) {
    const box = document.createElement('form');
    box.className = 'camera';
    box.innerHTML = '<strong></strong> <span class="model"></span><div class="uri"></div>' +
      '<label>Stream name <input name="name" required></label>' +
      '<label>User <input name="user" autocomplete="off"></label>' +
      '<label>Password <input name="password" type="password" autocomplete="new-password"></label>' +
      '<p class="error"></p><div class="actions"><button type="submit">Add as stream</button></div>';
    $('strong', box).textContent = cam.name || cam.id;
    $('.model', box).textContent = [cam.manufacturer, cam.model].filter(Boolean).join(' ');
    $('.uri', box).textContent = cam.uri || cam.xaddr || '';
    box.name.value = (cam.name || 'camera').toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[-.]+/, '');
    box.onsubmit = async (e) => {
      e.preventDefault();
      const r = await api('/api/v1/cameras/' + encodeURIComponent(cam.id) + '/add', {
        method: 'POST', json: { name: box.name.value, user: box.user.value, password: box.password.value } });
      $('.error', box).textContent = r.ok ? '' : (r.body ? r.body.error : 'failed');
      if (r.ok) { await refreshStreams(); selectView('streams'); }
    };
    list.appendChild(box);
  }
}

// ---- recordings ---------------------------------------------------------------------

async function showRecordings() {
  const list = $('#recording-list');
  list.textContent = '';
  const recorded = state.streams.filter((s) => s.recording && can('record', s));
  if (!recorded.length) { list.textContent = 'No stream records (add record: to a stream).'; return; }
  for (const stream of recorded) {
    const res = await api('/api/v1/recordings/' + encodeURIComponent(stream.name));
    const box = document.createElement('div');
    box.className = 'recording';
    box.innerHTML = '<strong></strong><div class="timeline"></div><div class="timeline-scale">' +
      '<span class="from"></span><span class="to"></span></div>';
    $('strong', box).textContent = stream.name;
    list.appendChild(box);
    const spans = res.ok ? res.body.spans : [];
    if (!spans.length) { $('.timeline', box).textContent = ''; continue; }
    const from = Date.parse(spans[0].start), to = Date.parse(spans[spans.length - 1].end);
    const total = Math.max(to - from, 1000);
    $('.from', box).textContent = new Date(from).toLocaleString();
    $('.to', box).textContent = new Date(to).toLocaleString();
    const line = $('.timeline', box);
    for (const span of spans) {
      const bar = document.createElement('div');
      bar.className = 'span';
      bar.style.left = ((Date.parse(span.start) - from) / total * 100) + '%';
      bar.style.width = Math.max((Date.parse(span.end) - Date.parse(span.start)) / total * 100, 0.5) + '%';
      bar.title = span.start + ' – ' + span.end;
      line.appendChild(bar);
    }
    // The camera's events (motion, tamper, inputs) marked over the spans.
    for (const event of (res.ok && res.body.events) || []) {
      const start = Date.parse(event.start), end = event.end ? Date.parse(event.end) : Date.now();
      if (end < from || start > to) continue;
      const mark = document.createElement('div');
      mark.className = 'event ' + event.type.replace('camera.', '');
      mark.style.left = (Math.max(start - from, 0) / total * 100) + '%';
      mark.style.width = Math.max((Math.min(end, to) - Math.max(start, from)) / total * 100, 0.3) + '%';
      mark.title = event.type.replace('camera.', '') + ' ' + event.start + ' – ' + (event.end || 'now');
      line.appendChild(mark);
    }
    // A click plays a minute from that point (gaps snap to the next span).
    line.onclick = (e) => {
      const rect = line.getBoundingClientRect();
      let at = from + (e.clientX - rect.left) / rect.width * total;
      const span = spans.find((s) => Date.parse(s.end) > at) || spans[spans.length - 1];
      at = Math.max(at, Date.parse(span.start));
      const player = $('#recording-player');
      player.hidden = false;
      player.src = '/api/v1/recordings/' + encodeURIComponent(stream.name) + '/get?start=' +
        encodeURIComponent(new Date(at).toISOString().replace(/\.\d+Z$/, 'Z')) + '&duration=60s';
      player.play().catch(() => {});
    };
  }
}

// ---- cluster ------------------------------------------------------------------------

async function showCluster() {
  const res = await api('/api/v1/cluster');
  if (!res.ok || !res.body.enabled) {
    $('#cluster-state').textContent = res.ok ? 'This gateway runs alone.' : 'Cannot read the cluster.';
    return;
  }
  const view = res.body;
  $('#cluster-state').textContent = 'This is node ' + view.node + (view.registered
    ? ', registered (lease ' + view.lease_ms / 1000 + ' s).' : ', not registered: ' + view.error);
  const rows = $('#cluster-nodes tbody');
  rows.textContent = '';
  for (const node of view.nodes) {
    const row = rows.insertRow();
    row.dataset.node = node.node;
    for (const value of [node.node + (node.self ? ' (this one)' : ''), node.rtsp, node.http,
      new Date(node.since).toLocaleString(), node.streams, node.viewers, node.cpu.toFixed(1) + ' %']) {
      row.insertCell().textContent = value;
    }
  }
  const owners = $('#cluster-owners tbody');
  owners.textContent = '';
  for (const [stream, owner] of Object.entries(view.owners)) {
    const row = owners.insertRow();
    row.dataset.stream = stream;
    row.insertCell().textContent = stream;
    const cell = row.insertCell();
    cell.className = 'owner';
    cell.textContent = owner;
    if (!can('admin')) continue;
    const select = document.createElement('select');
    select.setAttribute('aria-label', 'Move ' + stream + ' to');
    for (const node of view.nodes) {
      if (node.node !== owner) select.add(new Option(node.node, node.node));
    }
    const move = document.createElement('button');
    move.textContent = 'Move';
    move.disabled = !select.options.length;
    move.onclick = () => rebalance({ stream, to: select.value });
    const actions = row.insertCell();
    actions.append(select, move);
  }
}

async function rebalance(body) {
  const res = await api('/api/v1/cluster/rebalance', { method: 'POST', json: body });
  $('#cluster-error').textContent = res.ok ? (res.body.reason || '')
    : (res.body ? res.body.error : 'failed');
  await showCluster();
}

// ---- system -----------------------------------------------------------------------

const systemHistory = { network: [], streams: new Map() };
const kHistory = 60;               // samples kept for the sparklines

function remember(list, value) {
  list.push(value);
  if (list.length > kHistory) list.shift();
}

function spark(svg, values) {
  const max = Math.max(...values, 1);
  const points = values.map((v, i) => (i * 120 / (kHistory - 1)).toFixed(1) + ',' +
    (30 - v / max * 28).toFixed(1)).join(' ');
  svg.innerHTML = '<polyline fill="none" stroke="#3d6fb6" stroke-width="1.5" points="' + points + '"/>';
}

const bytes = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB'
  : (n / (1 << 20)).toFixed(0) + ' MiB';

async function showSystem() {
  const res = await api('/api/v1/system');
  if (!res.ok) { $('#system-about').textContent = 'Cannot read the system.'; return; }
  const s = res.body;
  $('#system-about').textContent = 'camgate ' + s.version + ', up ' +
    Math.floor(s.uptime_s / 3600) + ' h ' + Math.floor(s.uptime_s % 3600 / 60) + ' min';
  const cores = $('#system-cores');
  cores.textContent = '';
  s.cpu.cores.forEach((busy, i) => {
    const row = document.createElement('div');
    row.className = 'core';
    row.innerHTML = '<span></span><div class="meter"><div></div></div><span></span>';
    row.children[0].textContent = 'core ' + i;
    row.children[1].firstChild.style.width = busy.toFixed(0) + '%';
    row.children[2].textContent = busy.toFixed(0) + ' %';
    row.dataset.busy = busy;
    cores.appendChild(row);
  });
  $('#system-camgate-cpu').textContent = s.cpu.camgate.toFixed(1) + ' % of a core';
  const used = s.memory.total - s.memory.available;
  $('#system-memory-bar').style.width = (used / s.memory.total * 100).toFixed(0) + '%';
  $('#system-memory').textContent = bytes(used) + ' of ' + bytes(s.memory.total) +
    ' used, camgate ' + bytes(s.memory.camgate);
  $('#system-memory').dataset.used = used;
  $('#system-network').textContent = 'in ' + formatBitrate(s.network.in) +
    ', out ' + formatBitrate(s.network.out);
  remember(systemHistory.network, s.network.in + s.network.out);
  spark($('#system-network-spark'), systemHistory.network);
  if (s.disk.size) {
    $('#system-disk-bar').style.width = ((1 - s.disk.free / s.disk.size) * 100).toFixed(0) + '%';
    $('#system-disk').textContent = bytes(s.disk.free) + ' free of ' + bytes(s.disk.size);
  } else {
    $('#system-disk').textContent = 'no recordings folder yet';
  }
  const rows = $('#system-streams tbody');
  rows.textContent = '';
  for (const stream of s.streams) {
    if (!systemHistory.streams.has(stream.name)) systemHistory.streams.set(stream.name, []);
    remember(systemHistory.streams.get(stream.name), stream.bitrate);
    const row = rows.insertRow();
    row.dataset.stream = stream.name;
    row.insertCell().textContent = stream.name;
    row.insertCell().textContent = formatBitrate(stream.bitrate);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 120 30');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.classList.add('spark');
    row.insertCell().appendChild(svg);
    spark(svg, systemHistory.streams.get(stream.name));
    row.insertCell().textContent = stream.cpu_estimate.toFixed(1) + ' %';
  }
  if (can('admin')) {
    const log = await api('/api/v1/system/log');
    if (log.ok) $('#system-log').textContent = log.body.lines.slice(-50).join('\n');
  }
}

// ---- views, sign in ---------------------------------------------------------------

function selectView(view) {
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== view; });
  document.querySelectorAll('nav [data-view]').forEach((b) => {
    b.classList.toggle('active', b.dataset.view === view);
  });
  if (view === 'cameras') showCameras();
  if (view === 'recordings') showRecordings();
  if (view === 'cluster') showCluster();
  clearInterval(state.systemTimer);
  if (view === 'system') {
    showSystem();
    state.systemTimer = setInterval(showSystem, 2000);
  }
}

function showLogin() {
  clearInterval(state.timer);
  clearInterval(state.systemTimer);
  if (state.events) state.events.close();
  state.events = null;
  for (const entry of state.tiles.values()) {
    visibility.unobserve(entry.tile);
    if (entry.playback) entry.playback.close();
  }
  state.tiles.clear();
  $('#grid').textContent = '';
  document.querySelectorAll('.view').forEach((v) => { v.hidden = true; });
  $('#nav').hidden = true;
  $('#login').hidden = false;
}

async function enter() {
  const me = await api('/api/v1/auth');
  state.me = me.body;
  const signedIn = state.me.user && state.me.user !== 'anonymous';
  if (state.me.auth && !signedIn) return showLogin();
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#who').textContent = signedIn ? state.me.user : '';
  $('#logout').hidden = !signedIn;
  document.querySelectorAll('nav [data-needs], #cluster [data-needs], #system [data-needs]').forEach((e) => {
    e.hidden = !can(e.dataset.needs);
  });
  const cluster = can('api') ? await api('/api/v1/cluster') : null;
  $('nav [data-view=cluster]').hidden = !(cluster && cluster.ok && cluster.body.enabled);
  selectView('streams');
  await refreshStreams();
  clearInterval(state.timer);
  state.timer = setInterval(refreshStreams, 2000);
  followEvents();
}

async function login(event) {
  event.preventDefault();
  const form = $('#login');
  const res = await api('/api/v1/auth/token', { method: 'POST',
    json: { user: form.user.value, password: form.password.value, ttl: '12h' } });
  if (!res.ok) { $('#login-error').textContent = res.body ? res.body.error : 'sign in failed'; return; }
  $('#login-error').textContent = '';
  form.password.value = '';
  await enter();
}

async function logout() {
  await api('/api/v1/auth/logout', { method: 'POST' });
  showLogin();
}

window.addEventListener('DOMContentLoaded', async () => {
  $('#login').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  $('#add-stream').addEventListener('click', () => openEditor(null));
  $('#stream-form').addEventListener('submit', saveStream);
  $('#stream-form').kind.addEventListener('change', showKind);
  $('#edit-stream').addEventListener('click', () => { const s = state.playing; closePlayer(); openEditor(s); });
  $('#delete-stream').addEventListener('click', deleteStream);
  $('#player .close').addEventListener('click', closePlayer);
  $('#player').addEventListener('close', () => { endMove(); if (state.player) state.player.close(); state.player = null; });
  wirePtz();
  $('#editor .close').addEventListener('click', () => $('#editor').close());
  $('#rebalance').addEventListener('click', () => rebalance());
  document.querySelectorAll('nav [data-view]').forEach((b) => {
    b.addEventListener('click', () => selectView(b.dataset.view));
  });
  const info = await api('/api/v1/info');
  state.info = info.ok ? info.body : {};
  await enter();
});
