// Plays a camgate DASH MPD with dash.js (its default settings, as a site
// would embed it) in headless Chromium for a while and reports what the
// viewer got as JSON: seconds played and stalled after playback began,
// decoded video frames and audio bytes, and the picture (the camera draws
// SMPTE bars). Exits 0 when it played with under 5 % rebuffering, audio and
// the whole picture, 1 otherwise.
//   node play_dash.cjs MPD_URL [seconds]
// PLAYWRIGHT_CORE, DASHJS: the packages' paths.
const path = require('path');
const { launchChromium, smpteBars, barsShown } = require('./chromium.cjs');

(async () => {
  const mpd = process.argv[2];
  const seconds = Number(process.argv[3] || 20);
  const origin = new URL(mpd).origin;
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (process.env.VERBOSE || m.type() === 'error' || m.type() === 'warning') console.error('page:', m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) console.error('page: HTTP', r.status(), r.url());
  });
  // An empty page of the gateway's origin (answered here, not by the gateway).
  await page.route(origin + '/dash-test.html', (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><video muted autoplay playsinline></video>',
  }));
  await page.goto(origin + '/dash-test.html');
  await page.addScriptTag({ path: path.join(process.env.DASHJS, 'dist/dash.all.min.js') });
  await page.evaluate(([url, verbose]) => {
    const v = document.querySelector('video');
    const w = { stalls: 0, stalledMs: 0, stallStart: null, firstPlay: null, errors: [] };
    window.viewer = w;
    v.addEventListener('playing', () => {
      if (w.firstPlay === null) w.firstPlay = performance.now();
      if (w.stallStart !== null) {
        w.stalledMs += performance.now() - w.stallStart;
        w.stallStart = null;
      }
    });
    v.addEventListener('waiting', () => {
      if (w.firstPlay !== null && w.stallStart === null) {
        w.stalls++;
        w.stallStart = performance.now();
      }
    });
    const player = dashjs.MediaPlayer().create();
    if (verbose)
      player.updateSettings({ debug: { logLevel: dashjs.Debug.LOG_LEVEL_INFO } });
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => w.errors.push(JSON.stringify(e.error || e)));
    player.initialize(v, url, true);
    window.player = player;
  }, [mpd, !!process.env.VERBOSE]);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const seen = await page.evaluate(() => {
    const v = document.querySelector('video');
    const w = window.viewer;
    const now = performance.now();
    const stalled = w.stalledMs + (w.stallStart !== null ? now - w.stallStart : 0);
    const q = v.getVideoPlaybackQuality();
    const p = window.player;
    return {
      played_s: w.firstPlay === null ? 0 : (now - w.firstPlay) / 1000,
      stalled_s: stalled / 1000,
      stalls: w.stalls,
      frames: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      audio_bytes: v.webkitAudioDecodedByteCount,
      audio_tracks: p.getTracksFor('audio').length,
      width: v.videoWidth,
      height: v.videoHeight,
      latency_s: p.getCurrentLiveLatency(),
      errors: w.errors,
    };
  });
  seen.rebuffer_fraction = seen.played_s ? seen.stalled_s / seen.played_s : 1;
  seen.bars = await smpteBars(page);
  if (process.env.SCREENSHOT)
    await page.locator('video').screenshot({ path: process.env.SCREENSHOT });
  console.log(JSON.stringify(seen));
  await browser.close();
  const ok = seen.played_s > seconds / 2 && seen.rebuffer_fraction < 0.05
    && seen.frames > 10 * seen.played_s && seen.audio_tracks === 1
    && seen.audio_bytes > 0 && barsShown(seen.bars) && seen.errors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
