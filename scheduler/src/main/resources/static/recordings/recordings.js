// Capstan's recordings page: lists recordings from the REST API, plays and downloads them.
// Plain DOM only: every piece of data goes in through textContent or an attribute, never as HTML.
'use strict';

(function () {
  /**
   * An address relative to this page, without the user name and password the page may have been opened with
   * (http://user:key@host/recordings/): fetch refuses addresses that carry them, and the browser sends the
   * credentials it remembers on its own.
   */
  function resolve(address) {
    const url = new URL(address, document.baseURI);
    url.username = '';
    url.password = '';
    return url;
  }

  const API = resolve('../api/v1/recordings');
  const PAGE_SIZE = 20;
  const REFRESH_MS = 5000;
  const ACTIVE = new Set(['RECORDING', 'UPLOADING']);
  const STATUS_LABEL = {
    RECORDING: 'Recording',
    UPLOADING: 'Uploading',
    READY: 'Ready',
    PARTIAL: 'Partial',
    FAILED: 'Failed',
  };

  const $ = (id) => document.getElementById(id);
  const els = {
    filters: $('filters'), room: $('filter-room'), status: $('filter-status'), from: $('filter-from'), to: $('filter-to'),
    message: $('message'), list: $('recordings'), pager: $('pager'), prev: $('prev'), next: $('next'),
    pageInfo: $('page-info'), refreshing: $('refreshing'),
    panel: $('player-panel'), title: $('player-title'), player: $('player'), playerMessage: $('player-message'),
    playerStatus: $('player-status'),
    details: $('player-details'), download: $('download'), remove: $('delete'), close: $('player-close'),
    tracks: $('tracks'), tracksMessage: $('tracks-message'), timeline: $('timeline'), speakers: $('speakers'),
  };

  const state = {
    filters: { room: '', status: '', from: '', to: '' },
    page: 0,
    selected: null,      // the recording in the player
    items: [],
    timer: null,
    loading: null,       // AbortController of the request in flight
    cards: new Map(),    // id -> { key, node }: unchanged recordings keep their element (and loaded thumbnail)
    noThumbnail: new Set(), // "id|status" whose thumbnail was missing: not asked for again until the status changes
    tracksOf: null,      // the recording whose speaker tracks are shown: a refresh keeps their players playing
  };

  // ---- formatting ----------------------------------------------------------------------------------------------

  const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

  function parseTime(value) {
    if (!value) return null;
    const time = new Date(value);
    return Number.isNaN(time.getTime()) ? null : time;
  }

  function formatDuration(seconds) {
    if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const two = (n) => String(n).padStart(2, '0');
    return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
  }

  function formatSize(bytes) {
    if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '—';
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  /** Seconds recorded so far: the API's figure, or the time since the start while a recording runs. */
  function durationOf(recording) {
    if (recording.durationSeconds != null) return recording.durationSeconds;
    const started = parseTime(recording.startedAt);
    if (!started) return null;
    const ended = parseTime(recording.endedAt) || (recording.status === 'RECORDING' ? new Date() : null);
    return ended ? Math.max(0, (ended - started) / 1000) : null;
  }

  /** The badge: the status, and for uploads how far along they are and whether the store is reachable. */
  function statusText(recording) {
    const upload = recording.upload;
    const label = STATUS_LABEL[recording.status] || String(recording.status || 'Unknown');
    if (upload && upload.spooling) {
      const waiting = upload.pendingSegments != null ? `, ${plural(upload.pendingSegments, 'segment', 'segments')} waiting` : '';
      return `${label} — store unreachable${waiting}`;
    }
    if (recording.status === 'UPLOADING' && upload && upload.pendingSegments) {
      return `${label} — ${plural(upload.pendingSegments, 'segment', 'segments')} to go`;
    }
    return label;
  }

  function statusTitle(recording) {
    const parts = [];
    if (recording.statusDetail) parts.push(recording.statusDetail);
    const upload = recording.upload;
    if (upload) {
      if (upload.spooling) parts.push('The recording is kept on this host until the store is reachable again.');
      const since = parseTime(upload.failingSince);
      if (since) parts.push(`Store failing since ${dateTime.format(since)}.`);
      if (upload.pendingBytes) parts.push(`${formatSize(upload.pendingBytes)} waiting.`);
      if (upload.lastError) parts.push(`Last error: ${upload.lastError}`);
    }
    return parts.join('\n');
  }

  function link(recording, name) {
    const links = recording.links || {};
    if (links[name]) return resolve(links[name]).href;
    const self = new URL(`${API.pathname}/${encodeURIComponent(recording.id)}`, API);
    if (name === 'self') return self.href;
    return `${self.href}/${name}`;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  // ---- the page's address keeps the filters, page and open recording, so a reload or a shared link shows the same

  function readAddress() {
    const query = new URLSearchParams(location.search);
    state.filters.room = query.get('room') || '';
    state.filters.status = query.get('status') || '';
    state.filters.from = query.get('from') || '';
    state.filters.to = query.get('to') || '';
    state.page = Math.max(0, parseInt(query.get('page') || '0', 10) || 0);
    return query.get('play');
  }

  function writeAddress() {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(state.filters)) {
      if (value) query.set(name, value);
    }
    if (state.page > 0) query.set('page', String(state.page));
    if (state.selected) query.set('play', state.selected.id);
    const search = query.toString();
    history.replaceState(null, '', search ? `?${search}` : location.pathname);
  }

  function showFilters() {
    els.room.value = state.filters.room;
    els.status.value = state.filters.status;
    els.from.value = state.filters.from;
    els.to.value = state.filters.to;
  }

  /** A date input's day as the instant its local midnight is; {@code to} is exclusive: the day after the end day. */
  function dayStart(day, plusDays) {
    const [y, m, d] = day.split('-').map(Number);
    if (!y || !m || !d) return null;
    return new Date(y, m - 1, d + plusDays).toISOString();
  }

  function listUrl() {
    const url = new URL(API);
    const f = state.filters;
    if (f.room) url.searchParams.set('room', f.room);
    if (f.status) url.searchParams.set('status', f.status);
    const from = f.from && dayStart(f.from, 0);
    const to = f.to && dayStart(f.to, 1);
    if (from) url.searchParams.set('from', from);
    if (to) url.searchParams.set('to', to);
    url.searchParams.set('page', String(state.page));
    url.searchParams.set('size', String(PAGE_SIZE));
    return url;
  }

  // ---- talking to the API --------------------------------------------------------------------------------------

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`);
      this.status = status;
    }
  }

  async function request(url, options = {}) {
    const response = await fetch(url, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      ...options,
    });
    if (!response.ok) {
      let detail = '';
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || '';
      } catch (ignored) {
        // not JSON: the status says enough
      }
      throw new HttpError(response.status, detail);
    }
    return response.status === 204 ? null : response.json().catch(() => null);
  }

  function explain(error) {
    if (error instanceof HttpError && error.status === 401) {
      return 'This server needs an API key. Reload the page and enter the key as the password (any user name).';
    }
    if (error instanceof HttpError) return `The server answered ${error.message}.`;
    return `The server could not be reached (${error.message}).`;
  }

  function setMessage(text, kind) {
    els.message.textContent = text || '';
    els.message.hidden = !text;
    els.message.dataset.kind = kind || 'info';
  }

  // ---- the list ------------------------------------------------------------------------------------------------

  async function load({ quiet = false } = {}) {
    clearTimeout(state.timer);
    state.timer = null;
    if (state.loading) state.loading.abort();
    const controller = new AbortController();
    state.loading = controller;
    if (!quiet) {
      document.body.dataset.state = 'loading';
      setMessage('Loading recordings…');
    }
    let result;
    try {
      result = await request(listUrl(), { signal: controller.signal });
    } catch (error) {
      if (error.name === 'AbortError') return;
      state.loading = null;
      document.body.dataset.state = 'error';
      setMessage(`Could not load the recordings. ${explain(error)}`, 'error');
      // A failed refresh keeps what is shown and tries again, as long as something was still in progress.
      if (state.items.some((r) => ACTIVE.has(r.status))) schedule();
      return;
    }
    state.loading = null;
    const items = Array.isArray(result && result.items) ? result.items : [];
    const totalPages = Math.max(0, Number(result && result.totalPages) || 0);
    if (items.length === 0 && state.page > 0 && state.page >= totalPages) {
      // The page ran empty (deletions, new filters): show the last one that has something.
      state.page = Math.max(0, totalPages - 1);
      writeAddress();
      return load({ quiet });
    }
    state.items = items;
    render(items, result || {});
    document.body.dataset.state = 'ready';
    document.body.dataset.total = String(Number(result && result.totalItems) || 0);
    if (state.selected) {
      const fresh = items.find((r) => r.id === state.selected.id);
      if (fresh) {
        state.selected = fresh;
        showDetails(fresh);
        showTracks(fresh);
      }
    }
    schedule();
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = null;
    const active = state.items.some((r) => ACTIVE.has(r.status))
      || (state.selected && ACTIVE.has(state.selected.status));
    els.refreshing.hidden = !active;
    if (active) state.timer = setTimeout(() => load({ quiet: true }), REFRESH_MS);
  }

  function render(items, result) {
    const cards = new Map();
    const nodes = items.map((recording) => {
      const key = JSON.stringify(recording);
      const known = state.cards.get(recording.id);
      // A running recording is redrawn every time: its duration grows.
      const node = known && known.key === key && recording.status !== 'RECORDING' ? known.node : card(recording);
      cards.set(recording.id, { key, node });
      return node;
    });
    state.cards = cards;
    els.list.replaceChildren(...nodes);
    markSelected();
    const total = Number(result.totalItems) || 0;
    const pages = Number(result.totalPages) || 0;
    if (items.length === 0) {
      const filtered = Object.values(state.filters).some(Boolean);
      setMessage(filtered ? 'No recordings match these filters.' : 'No recordings yet.');
    } else {
      setMessage('');
    }
    els.pager.hidden = pages <= 1;
    els.prev.disabled = state.page <= 0;
    els.next.disabled = state.page >= pages - 1;
    els.pageInfo.textContent = `Page ${state.page + 1} of ${Math.max(pages, 1)} · ${plural(total, 'recording', 'recordings')}`;
  }

  function card(recording) {
    const item = el('li', 'recording');
    item.dataset.recordingId = recording.id;
    item.dataset.status = recording.status || '';
    if (recording.upload && recording.upload.spooling) item.dataset.spooling = 'true';
    item.tabIndex = 0;
    item.setAttribute('role', 'button');
    item.setAttribute('aria-label', `Play the recording of ${recording.room || 'an unnamed room'}`);

    const thumb = el('div', 'thumb');
    const thumbKey = `${recording.id}|${recording.status}`;
    if (recording.status === 'RECORDING') {
      thumb.append(placeholder('Recording…', 'live'));
    } else if (state.noThumbnail.has(thumbKey)) {
      thumb.append(placeholder('No preview'));
    } else {
      const image = el('img', 'thumbnail');
      image.alt = '';
      image.loading = 'lazy';
      image.decoding = 'async';
      image.addEventListener('error', () => {
        state.noThumbnail.add(thumbKey);
        image.replaceWith(placeholder('No preview'));
      }, { once: true });
      image.src = link(recording, 'thumbnail');
      thumb.append(image);
    }
    const duration = el('span', 'duration', formatDuration(durationOf(recording)));
    thumb.append(duration);

    const meta = el('div', 'meta');
    meta.append(el('span', 'room', recording.room || '(no room)'));
    const started = parseTime(recording.startedAt);
    const time = el('time', 'started', started ? dateTime.format(started) : '—');
    if (started) time.dateTime = started.toISOString();
    meta.append(time);

    const facts = el('div', 'facts');
    facts.append(el('span', 'size', formatSize(recording.sizeBytes)));
    const badge = el('span', `badge status-${String(recording.status || 'unknown').toLowerCase()}`, statusText(recording));
    if (recording.upload && recording.upload.spooling) badge.classList.add('spooling');
    const title = statusTitle(recording);
    if (title) badge.title = title;
    facts.append(badge);
    meta.append(facts);
    if (recording.statusDetail && (recording.status === 'FAILED' || recording.status === 'PARTIAL')) {
      meta.append(el('span', 'status-detail', recording.statusDetail));
    }

    item.append(thumb, meta);
    item.addEventListener('click', () => open(recording.id));
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open(recording.id);
      }
    });
    return item;
  }

  function placeholder(text, kind) {
    const box = el('div', `thumb-placeholder${kind ? ` ${kind}` : ''}`);
    box.append(el('span', null, text));
    return box;
  }

  // ---- the player ----------------------------------------------------------------------------------------------

  function open(id) {
    const recording = state.items.find((r) => r.id === id);
    if (recording) play(recording);
  }

  function play(recording) {
    state.selected = recording;
    writeAddress();
    markSelected();
    els.panel.hidden = false;
    els.playerMessage.hidden = true;
    const media = link(recording, 'media');
    els.player.dataset.recordingId = recording.id;
    if (recording.status === 'RECORDING') {
      if (preview.id !== recording.id) startPreview(recording);
    } else if (els.player.getAttribute('src') !== media) {
      stopPreview();
      els.player.src = media;
      setPlayerStatus('', '');
    }
    els.download.href = media;
    els.download.setAttribute('download', fileName(recording));
    els.download.hidden = recording.status === 'RECORDING';
    showDetails(recording);
    showTracks(recording);
    els.panel.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    schedule();
  }

  function markSelected() {
    for (const item of els.list.querySelectorAll('.recording')) {
      const selected = state.selected != null && item.dataset.recordingId === state.selected.id;
      item.classList.toggle('selected', selected);
      if (selected) item.setAttribute('aria-current', 'true');
      else item.removeAttribute('aria-current');
    }
  }

  function showPlayerMessage(text) {
    els.playerMessage.textContent = text;
    els.playerMessage.hidden = !text;
  }

  function fileName(recording) {
    const safe = (value) => String(value || '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
    const started = parseTime(recording.startedAt);
    const stamp = started ? started.toISOString().slice(0, 19).replace(/[:T]/g, '-') : safe(recording.id);
    return `${safe(recording.room) || 'recording'}-${stamp}.mp4`;
  }

  function showDetails(recording) {
    els.title.textContent = recording.room || '(no room)';
    const rows = [];
    const started = parseTime(recording.startedAt);
    const ended = parseTime(recording.endedAt);
    rows.push(['Status', statusText(recording)]);
    if (recording.statusDetail) rows.push(['Detail', recording.statusDetail]);
    rows.push(['Started', started ? dateTime.format(started) : '—']);
    if (ended) rows.push(['Ended', started && ended.toDateString() === started.toDateString() ? timeOnly.format(ended) : dateTime.format(ended)]);
    rows.push(['Duration', formatDuration(durationOf(recording))]);
    rows.push(['Size', formatSize(recording.sizeBytes)]);
    if (recording.mode) rows.push(['Mode', String(recording.mode)]);
    if (Array.isArray(recording.participants) && recording.participants.length) {
      rows.push(['Participants', recording.participants.map(participantName).join(', ')]);
    }
    if (recording.meetingUrl) rows.push(['Meeting', recording.meetingUrl]);
    if (recording.sessionId) rows.push(['Session', recording.sessionId]);
    if (recording.upload && recording.upload.lastError) rows.push(['Last upload error', recording.upload.lastError]);
    if (recording.checksum) rows.push(['Checksum', recording.checksum]);
    rows.push(['Id', recording.id]);
    const nodes = [];
    for (const [name, value] of rows) {
      nodes.push(el('dt', null, name), el('dd', null, value));
    }
    els.details.replaceChildren(...nodes);
    els.download.hidden = recording.status === 'RECORDING';
    if (els.player.dataset.recordingId === recording.id) followPreview(recording);
  }

  // ---- the live preview: a running recording plays over HLS a few seconds behind live (hls.js, vendored) ----------
  // hls.js loads the playlist and segments with XHR from this origin: the browser adds the credentials it
  // remembers for the page (Basic, the API key as password) on its own, as it does for fetch.

  const PREVIEW_RETRY_MS = 2000;
  const PREVIEW_STATUS_MS = 2000;
  const preview = {
    id: null,          // the recording previewed
    hls: null,
    retry: null,       // timer of the next attempt after a failure (no segment yet, a network error)
    poll: null,        // timer of the next status look-up (paused? how far behind?)
    ended: false,      // its playlist is complete: the recording no longer captures
    paused: false,
  };

  function setPlayerStatus(mode, text) {
    els.playerStatus.dataset.mode = mode;
    els.playerStatus.textContent = text;
    els.playerStatus.hidden = !text;
  }

  function startPreview(recording) {
    stopPreview();
    preview.id = recording.id;
    const video = els.player;
    video.dataset.source = 'live';
    const playlist = `${link(recording, 'self')}/live.m3u8`;
    showPlayerMessage('');
    if (window.Hls && window.Hls.isSupported()) {
      const hls = new window.Hls({
        // Blocking reloads (the server answers the playlist the moment the next 2-s segment is complete), played
        // 2.5 s behind the newest segment: enough buffer to bridge to the next one, and a few seconds behind live.
        lowLatencyMode: true,
        liveSyncDuration: 2.5,
        liveMaxLatencyDuration: 5,
        liveSyncOnStallIncrease: 0.5,
        maxLiveSyncPlaybackRate: 1.5,
        backBufferLength: 60,
      });
      preview.hls = hls;
      hls.on(window.Hls.Events.LEVEL_UPDATED, (event, data) => {
        if (data.details && !data.details.live && !preview.ended) {
          preview.ended = true;
          showPreviewStatus();
        }
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, () => startPlaying(video));
      hls.on(window.Hls.Events.ERROR, (event, data) => {
        if (!data.fatal || preview.hls !== hls) return;
        const status = data.response && data.response.code;
        hls.destroy();
        preview.hls = null;
        if (status === 410) {
          // Ended and its segments gone: the list's next refresh brings the finished file.
          preview.ended = true;
          showPreviewStatus();
          return;
        }
        // Nothing recorded yet, or a network hiccup: try again while it is still selected.
        preview.retry = setTimeout(() => {
          if (preview.id === recording.id && state.selected && state.selected.id === recording.id) {
            startPreview(state.selected);
          }
        }, PREVIEW_RETRY_MS);
      });
      hls.loadSource(playlist);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = playlist;     // Safari plays HLS itself
      startPlaying(video);
    } else {
      showPlayerMessage('This browser cannot play the live preview (no Media Source Extensions); '
        + 'the recording can be played once it has ended.');
    }
    pollPreview();
  }

  /** Plays; a browser that refuses sound without a gesture of the user plays it muted. */
  function startPlaying(video) {
    video.play().catch(() => {
      video.muted = true;
      video.play().catch(() => {});
    });
  }

  function stopPreview() {
    clearTimeout(preview.retry);
    clearTimeout(preview.poll);
    if (preview.hls) preview.hls.destroy();
    Object.assign(preview, { id: null, hls: null, retry: null, poll: null, ended: false, paused: false });
    delete els.player.dataset.source;
  }

  /** The recording's own status, for the status line: paused or not, and how many seconds the preview is behind. */
  async function pollPreview() {
    const id = preview.id;
    if (!id || preview.ended) return;
    try {
      const status = await request(`${link(state.selected, 'self')}/status`);
      if (preview.id !== id) return;
      preview.paused = status && status.state === 'paused';
      const recorded = status && Number(status.durationSeconds);
      const video = els.player;
      if (Number.isFinite(recorded) && video.readyState > 0 && !video.paused) {
        els.playerStatus.dataset.behind = (recorded - video.currentTime).toFixed(1);
      }
    } catch (ignored) {
      // The next look-up may do better; the preview plays on.
    }
    if (preview.id !== id) return;
    showPreviewStatus();
    preview.poll = setTimeout(pollPreview, PREVIEW_STATUS_MS);
  }

  function showPreviewStatus() {
    if (preview.ended) {
      setPlayerStatus('ended', 'Recording ended: the finished file plays once it is ready.');
    } else if (preview.paused) {
      setPlayerStatus('paused', 'Recording paused: the preview goes on when it resumes.');
    } else {
      const behind = Number(els.playerStatus.dataset.behind);
      setPlayerStatus('live', Number.isFinite(behind) && behind > 0
        ? `Live preview, ${Math.round(behind)} s behind the recording.` : 'Live preview.');
    }
  }

  /**
   * A refresh of the recording in the player: the preview goes on while it records, and gives way to the finished
   * file once the file is there, where the preview was (from the start if the preview had caught up with its end).
   */
  function followPreview(recording) {
    const video = els.player;
    const media = (recording.links || {}).media;
    if (recording.status === 'RECORDING') {
      if (preview.id !== recording.id) startPreview(recording);
      return;
    }
    if (preview.id === recording.id) {
      if (!media) {
        preview.ended = true;
        showPreviewStatus();
        return;
      }
      const at = video.ended || !Number.isFinite(video.duration) || video.currentTime > video.duration - 3
        ? 0 : video.currentTime;
      const wasPlaying = !video.paused || video.ended;
      stopPreview();
      video.src = resolve(media).href;
      video.addEventListener('loadedmetadata', () => {
        if (at > 0) video.currentTime = at;
        if (wasPlaying) startPlaying(video);
      }, { once: true });
      setPlayerStatus('file', 'Finished file.');
    } else if (!video.getAttribute('src')) {
      // It has just ended: now there is something to play.
      showPlayerMessage('');
      video.src = link(recording, 'media');
    }
  }

  // ---- speaker tracks: each speaker's parts with a player each, and a compact timeline of who was audible when -----

  async function showTracks(recording) {
    const url = (recording.links || {}).tracks;
    if (!url) {
      hideTracks();
      return;
    }
    if (state.tracksOf === recording.id) return;
    state.tracksOf = recording.id;
    let tracks;
    try {
      tracks = await request(resolve(url));
    } catch (error) {
      if (state.tracksOf !== recording.id) return;
      renderTracks({ capture: 'failed', detail: explain(error), speakers: [], timeline: [] }, recording);
      return;
    }
    if (state.tracksOf === recording.id && tracks) renderTracks(tracks, recording);
  }

  function hideTracks() {
    state.tracksOf = null;
    for (const audio of els.speakers.querySelectorAll('audio')) audio.pause();
    els.speakers.replaceChildren();
    els.timeline.replaceChildren();
    els.tracks.hidden = true;
  }

  function renderTracks(tracks, recording) {
    const speakers = Array.isArray(tracks.speakers) ? tracks.speakers : [];
    const timeline = Array.isArray(tracks.timeline) ? tracks.timeline : [];
    els.tracks.hidden = false;
    let message = '';
    if (tracks.capture === 'not-offered') {
      message = 'The page offered no speaker tracks; the recording has the mix only.';
    }
    else if (tracks.capture === 'failed') message = 'The speaker tracks could not be taken; the recording has the mix.';
    else if (!speakers.length) message = 'Nobody was heard.';
    if (tracks.detail) message = message ? `${message} (${tracks.detail})` : tracks.detail;
    els.tracksMessage.textContent = message;
    els.tracksMessage.hidden = !message;

    // The timeline spans the recording, or the last sound heard if that is later.
    const endMs = Math.max(1, (durationOf(recording) || 0) * 1000,
      ...timeline.map((entry) => entry.toMs || 0),
      ...speakers.flatMap((speaker) => (speaker.parts || []).map((part) => part.offsetMs + part.durationMs)));
    const rows = new Map();
    speakers.forEach((speaker, index) => rows.set(speaker.id, index));
    const lanes = [];
    speakers.forEach((speaker, index) => {
      const lane = el('div', 'lane');
      lane.dataset.speakerId = speaker.id;
      lane.append(el('span', 'lane-name', speaker.displayName || speaker.id));
      const bar = el('div', 'lane-bar');
      for (const entry of timeline.filter((e) => e.speakerId === speaker.id)) {
        const span = el('span', 'audible');
        span.style.left = `${(100 * entry.fromMs) / endMs}%`;
        span.style.width = `${Math.max(0.3, (100 * (entry.toMs - entry.fromMs)) / endMs)}%`;
        span.style.setProperty('--hue', String((index * 137) % 360));
        const when = `${formatDuration(entry.fromMs / 1000)}–${formatDuration(entry.toMs / 1000)}`;
        span.title = `${speaker.displayName || speaker.id}: ${when}`;
        bar.append(span);
      }
      lane.append(bar);
      lanes.push(lane);
    });
    els.timeline.replaceChildren(...lanes);
    els.timeline.hidden = !lanes.length;

    const items = speakers.map((speaker) => {
      const item = el('li', 'speaker');
      item.dataset.speakerId = speaker.id;
      item.append(el('span', 'speaker-name', speaker.displayName || speaker.id));
      const ids = Array.isArray(speaker.participantIds) ? speaker.participantIds.join(', ') : '';
      if (ids) item.title = `participant ${ids}`;
      const parts = speaker.parts || [];
      const files = el('div', 'speaker-parts');
      if (!parts.length) files.append(el('span', 'muted', 'no file'));
      for (const part of parts) {
        const row = el('div', 'speaker-part');
        const from = formatDuration(part.offsetMs / 1000);
        const to = formatDuration((part.offsetMs + part.durationMs) / 1000);
        const label = parts.length > 1 ? `part ${part.number} · ${from}–${to}` : `${from}–${to}`;
        row.append(el('span', 'part-label', label));
        const audio = el('audio');
        audio.controls = true;
        audio.preload = 'none';
        audio.src = resolve(part.url).href;
        row.append(audio);
        files.append(row);
      }
      item.append(files);
      return item;
    });
    els.speakers.replaceChildren(...items);
  }

  function participantName(participant) {
    if (participant == null) return '';
    if (typeof participant !== 'object') return String(participant);
    return String(participant.displayName || participant.name || participant.id || JSON.stringify(participant));
  }

  function closePlayer() {
    stopPreview();
    setPlayerStatus('', '');
    els.player.pause();
    els.player.removeAttribute('src');
    els.player.load();
    delete els.player.dataset.recordingId;
    hideTracks();
    els.panel.hidden = true;
    state.selected = null;
    markSelected();
    writeAddress();
  }

  async function deleteSelected() {
    const recording = state.selected;
    if (!recording) return;
    const started = parseTime(recording.startedAt);
    const what = `the recording of ${recording.room || 'this room'}${started ? ` started ${dateTime.format(started)}` : ''}`;
    if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
    els.remove.disabled = true;
    try {
      await request(link(recording, 'self'), { method: 'DELETE' });
      closePlayer();
      await load();
    } catch (error) {
      showPlayerMessage(`Could not delete it. ${explain(error)}`);
    } finally {
      els.remove.disabled = false;
    }
  }

  // ---- wiring --------------------------------------------------------------------------------------------------

  els.filters.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filters = {
      room: els.room.value.trim(),
      status: els.status.value,
      from: els.from.value,
      to: els.to.value,
    };
    state.page = 0;
    writeAddress();
    load();
  });
  els.filters.addEventListener('reset', () => {
    // After the form has cleared its fields.
    setTimeout(() => els.filters.requestSubmit(), 0);
  });
  els.prev.addEventListener('click', () => {
    if (state.page > 0) {
      state.page--;
      writeAddress();
      load();
    }
  });
  els.next.addEventListener('click', () => {
    state.page++;
    writeAddress();
    load();
  });
  els.close.addEventListener('click', closePlayer);
  els.remove.addEventListener('click', deleteSelected);
  els.player.addEventListener('error', () => {
    if (els.player.getAttribute('src')) {
      showPlayerMessage('This recording cannot be played (yet). Try the download link, or again in a moment.');
    }
  });
  els.player.addEventListener('loadeddata', () => showPlayerMessage(''));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !els.panel.hidden) closePlayer();
  });

  async function start() {
    const wanted = readAddress();
    showFilters();
    await load();
    if (wanted) {
      const recording = state.items.find((r) => r.id === wanted);
      if (recording) {
        play(recording);
      } else {
        try {
          const single = await request(new URL(`${API.pathname}/${encodeURIComponent(wanted)}`, API));
          if (single && single.id) {
            state.items.push(single);
            play(single);
          }
        } catch (ignored) {
          writeAddress();   // gone or unreadable: drop it from the address
        }
      }
    }
  }

  start();
}());
