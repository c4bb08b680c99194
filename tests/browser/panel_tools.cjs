// The panel's other tools in headless Chromium, on a gateway without users:
// the LL-HLS preview of a stream without WebRTC, the recordings timeline (a
// click plays that moment), ONVIF discovery (a found camera, given its
// credentials, becomes a stream that plays, and its motion shows on its tile)
// and its big player's PTZ pad (hold to move, release stops; presets).
// Screenshots go to OUTDIR. Prints what it saw as JSON; exits 0 when every
// step worked.
//   node panel_tools.cjs URL RECORDING_STREAM OUTDIR
const { launchChromium } = require('./chromium.cjs');

const [url, recorded, outdir] = process.argv.slice(2);
const seen = { steps: [] };

(async () => {
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(url);
    // No users: straight to the grid.
    await page.waitForSelector('.tile[data-stream="' + recorded + '"]', { timeout: 10000 });

    // Its WebRTC output is off: the preview falls back to LL-HLS.
    await page.waitForFunction((n) => {
      const tile = document.querySelector('.tile[data-stream="' + n + '"]');
      const v = tile && tile.querySelector('video');
      return tile.dataset.playback === 'hls' && v.videoWidth > 0 && v.currentTime > 0.5;
    }, recorded, { timeout: 30000 });
    seen.steps.push('hls preview plays');

    await page.click('nav [data-view=recordings]');
    await page.waitForSelector('.recording .timeline .span', { timeout: 15000 });
    seen.spans = await page.$$eval('.recording .timeline .span', (s) => s.length);
    await page.screenshot({ path: outdir + '/7-recordings.png' });
    const span = await page.$('.recording .timeline .span');
    const box = await span.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => {
      const v = document.querySelector('#recording-player');
      return v && v.videoWidth > 0 && v.currentTime > 0.5;
    }, null, { timeout: 20000 });
    seen.recording_player = await page.$eval('#recording-player', (v) => v.src);
    seen.steps.push('recording plays');
    await page.screenshot({ path: outdir + '/8-recording-playing.png' });

    await page.click('nav [data-view=cameras]');
    await page.waitForSelector('#camera-list form.camera', { timeout: 15000 });
    seen.camera = await page.textContent('#camera-list form.camera strong');
    const form = '#camera-list form.camera';
    await page.fill(form + ' [name=name]', 'porch');
    await page.fill(form + ' [name=user]', 'admin');
    await page.fill(form + ' [name=password]', 'secret');
    await page.screenshot({ path: outdir + '/9-discovery.png' });
    await page.click(form + ' button[type=submit]');
    await page.waitForSelector('.tile[data-stream="porch"]', { timeout: 15000 });
    await page.waitForFunction(() => {
      const v = document.querySelector('.tile[data-stream="porch"] video');
      return v && v.videoWidth > 0 && v.currentTime > 0.5;
    }, null, { timeout: 30000 });
    seen.steps.push('discovered camera plays');
    // Its camera reports motion: the tile shows it, live.
    await page.waitForFunction(() => {
      const a = document.querySelector('.tile[data-stream="porch"] .alarm');
      return a && !a.hidden && a.textContent === 'motion';
    }, null, { timeout: 20000 });
    seen.steps.push('motion shows on the tile');
    await page.screenshot({ path: outdir + '/10-camera-added.png' });

    // The big player of a camera that steers has a PTZ pad; a test source's
    // has none.
    await page.click('.tile[data-stream="' + recorded + '"]');
    await page.waitForSelector('#player[open]');
    await page.waitForTimeout(1000);
    if (await page.isVisible('#ptz')) throw new Error('a PTZ pad for a stream without PTZ');
    await page.click('#player .close');
    await page.click('.tile[data-stream="porch"]');
    await page.waitForSelector('#ptz', { state: 'visible', timeout: 15000 });
    seen.presets = await page.$$eval('#ptz-presets option', (o) => o.map((x) => x.textContent));
    // Hold "pan right" for 1.5 s, then let go.
    const right = await page.$('#ptz [aria-label="Pan right"]');
    const r = await right.boundingBox();
    await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
    await page.mouse.down();
    await page.waitForTimeout(1500);
    await page.mouse.up();
    await page.click('#ptz-goto');
    await page.fill('#ptz-name', 'porch gate');
    await page.click('#ptz-save');
    await page.waitForFunction(() => [...document.querySelectorAll('#ptz-presets option')]
      .some((o) => o.textContent === 'porch gate'), null, { timeout: 10000 });
    seen.ptz_state = await page.textContent('#ptz-state');
    await page.screenshot({ path: outdir + '/11-ptz.png' });
    seen.steps.push('ptz pad steers');
    ok = true;
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
