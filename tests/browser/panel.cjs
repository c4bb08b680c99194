// Drives camgate's web panel in headless Chromium (Debian's, with
// playwright-core) as an operator would: signs in, watches the demo stream's
// preview play, tries a bad camera URI (the form shows the error next to the
// field), adds a stream, watches it appear and play, edits it, adds and
// deletes another, and looks at the panel on a phone-sized screen. Screenshots go to OUTDIR. Prints what it saw as
// JSON; exits 0 when every step worked.
//   node panel.cjs URL USER PASSWORD OUTDIR
const { launchChromium } = require('./chromium.cjs');

const [url, user, password, outdir] = process.argv.slice(2);
const seen = { steps: [] };

// A tile's video is playing when it has a picture and its clock moves.
async function waitPlaying(page, name, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let first = null, last = null;
  while (Date.now() < deadline) {
    const now = await page.evaluate((n) => {
      const tile = document.querySelector('.tile[data-stream="' + n + '"]');
      const v = tile && tile.querySelector('video');
      return v ? { width: v.videoWidth, time: v.currentTime,
        playback: tile.dataset.playback || '' } : null;
    }, name);
    if (now && now.width > 0 && !first) first = now;
    if (now && first && now.time > first.time + 0.5) return now;
    last = now || last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('stream ' + name + ' did not play: ' + JSON.stringify(last));
}

(async () => {
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => console.error('page:', m.text()));
    page.on('dialog', (d) => d.accept());
    await page.goto(url);
    await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
    await page.screenshot({ path: outdir + '/1-login.png' });

    await page.fill('#login [name=user]', user);
    await page.fill('#login [name=password]', 'wrong');
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
    seen.wrong_password = await page.textContent('#login-error');
    seen.steps.push('wrong password refused');

    await page.fill('#login [name=password]', password);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('.tile[data-stream="demo"]', { timeout: 10000 });
    seen.demo = await waitPlaying(page, 'demo', 30);
    seen.steps.push('demo plays');
    await page.screenshot({ path: outdir + '/2-grid.png' });

    // A bad URI: the gateway's reason shows next to the source field.
    await page.click('#add-stream');
    await page.fill('#stream-form [name=name]', 'added');
    await page.selectOption('#stream-form [name=kind]', 'rtsp');
    await page.fill('#stream-form [name=uri]', 'http://camera.invalid/1');
    await page.click('#stream-form button[type=submit]');
    await page.waitForFunction(() =>
      document.querySelector('.error[data-field="source"]').textContent.length > 0);
    seen.form_error = await page.textContent('.error[data-field="source"]');
    seen.steps.push('form error shown');
    await page.screenshot({ path: outdir + '/3-form-error.png' });

    await page.selectOption('#stream-form [name=kind]', 'test');
    await page.click('#stream-form button[type=submit]');
    await page.waitForSelector('.tile[data-stream="added"]', { timeout: 15000 });
    seen.added = await waitPlaying(page, 'added', 30);
    seen.steps.push('added stream plays');
    await page.screenshot({ path: outdir + '/4-added.png' });

    // The big player lists the stream's URLs.
    await page.click('.tile[data-stream="added"]');
    await page.waitForSelector('#player[open]');
    seen.urls = await page.$$eval('#player-urls tr td:first-child', (c) => c.map((x) => x.textContent));
    await page.screenshot({ path: outdir + '/5-player.png' });

    // Edit from the player: LL-HLS on; the stream comes back with it.
    await page.click('#edit-stream');
    await page.waitForSelector('#editor[open]');
    await page.check('#stream-form [name=hls]');
    await page.click('#stream-form button[type=submit]');
    await page.waitForSelector('#editor:not([open])', { state: 'attached' });
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v1/streams/added', { credentials: 'same-origin' });
      return r.ok && (await r.json()).outputs.hls === true;
    });
    seen.steps.push('edited');
    await page.waitForSelector('.tile[data-stream="added"]', { timeout: 15000 });
    seen.after_edit = await waitPlaying(page, 'added', 30);

    // A throwaway stream, deleted through the player's Delete button.
    await page.click('#add-stream');
    await page.fill('#stream-form [name=name]', 'gone');
    await page.selectOption('#stream-form [name=kind]', 'test');
    await page.click('#stream-form button[type=submit]');
    await page.waitForSelector('.tile[data-stream="gone"]', { timeout: 15000 });
    await page.click('.tile[data-stream="gone"]');
    await page.waitForSelector('#player[open]');
    await page.click('#delete-stream');          // confirm() is accepted
    await page.waitForSelector('.tile[data-stream="gone"]', { state: 'detached', timeout: 15000 });
    seen.steps.push('deleted');

    // Phone width: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    seen.phone_overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: outdir + '/6-phone.png', fullPage: true });
    ok = seen.phone_overflow <= 0 && seen.urls.includes('RTSP') &&
      seen.urls.includes('WHEP') && seen.urls.includes('HLS') && seen.urls.includes('DASH');
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
