// Plays a camgate DASH MPD with dash.js (its default settings, as a site
// would embed it) in headless Chromium for a while and reports what the
// viewer got as JSON: seconds played, each stall after playback began,
// decoded video frames and audio bytes, and the picture (the camera draws
// SMPTE bars). Exits 0 when it played with audio and the whole picture and,
// after its first 4 s, under 15 % of the time stalled (a third of the time
// was the defect; on this machine it is 0, on a loaded CI run up to 9 %
// was seen); 1 otherwise.
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
    const w = { stalls: [], stallStart: null, firstPlay: null, errors: [] };
    window.viewer = w;
    v.addEventListener('playing', () => {
      if (w.firstPlay === null) w.firstPlay = performance.now();
      if (w.stallStart !== null) {
        w.stalls.push([(w.stallStart - w.firstPlay) / 1000,
          (performance.now() - w.stallStart) / 1000]);
        w.stallStart = null;
      }
    });
    v.addEventListener('waiting', () => {
      if (w.firstPlay !== null && w.stallStart === null)
        w.stallStart = performance.now();
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
    if (w.stallStart !== null)
      w.stalls.push([(w.stallStart - w.firstPlay) / 1000, (now - w.stallStart) / 1000]);
    const q = v.getVideoPlaybackQuality();
    const p = window.player;
    return {
      played_s: w.firstPlay === null ? 0 : (now - w.firstPlay) / 1000,
      stalls: w.stalls,            // [seconds after the first frame, length]
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
  // Rebuffering once settled: a player joining live may stall while it
  // finds its place; after the first 4 s it should not.
  const settled = (stall) => stall[0] >= 4;
  seen.stalled_s = seen.stalls.reduce((sum, s) => sum + s[1], 0);
  seen.settled_stalled_s = seen.stalls.filter(settled).reduce((sum, s) => sum + s[1], 0);
  seen.rebuffer_fraction = seen.played_s > 4
    ? seen.settled_stalled_s / (seen.played_s - 4) : 1;
  seen.bars = await smpteBars(page);
  if (process.env.SCREENSHOT)
    await page.locator('video').screenshot({ path: process.env.SCREENSHOT });
  console.log(JSON.stringify(seen));
  await browser.close();
  const ok = seen.played_s > seconds / 2 && seen.rebuffer_fraction < 0.15
    && seen.frames > 10 * seen.played_s && seen.audio_tracks === 1
    && seen.audio_bytes > 0 && barsShown(seen.bars) && seen.errors.length === 0;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(2); });
