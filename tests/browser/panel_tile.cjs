// The panel in headless Chromium shows what a stream's tile says (who
// publishes it, where it is pushed): signs in (unless USER is '-'), waits
// for STREAM's tile to play (with MODE 'snapshot': to show a snapshot
// instead, as an on-demand stream's does) and to show EXPECTED, and takes a
// screenshot (OUTDIR/tile.png). Prints the tile's text as JSON; exits 0
// when it showed EXPECTED.
//   node panel_tile.cjs URL USER PASSWORD STREAM EXPECTED OUTDIR [MODE]
const { launchChromium } = require('./chromium.cjs');

const [url, user, password, stream, expected, outdir, mode] = process.argv.slice(2);

(async () => {
  const browser = await launchChromium();
  const seen = {};
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(url);
    if (user !== '-') {
      await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
      await page.fill('#login [name=user]', user);
      await page.fill('#login [name=password]', password);
      await page.click('#login button[type=submit]');
    }
    const tile = '.tile[data-stream="' + stream + '"]';
    await page.waitForSelector(tile, { timeout: 10000 });
    await page.waitForFunction(([t, text, snapshot]) => {
      const el = document.querySelector(t);
      if (!el || !el.textContent.includes(text)) return false;
      if (snapshot) return el.dataset.playback === 'snapshot' && el.querySelector('img');
      const v = el.querySelector('video');
      return v && v.videoWidth > 0 && v.currentTime > 0.5;
    }, [tile, expected, mode === 'snapshot'], { timeout: 30000 });
    seen.playback = await page.getAttribute(tile, 'data-playback');
    seen.stats = await page.textContent(tile + ' .stats');
    seen.push = await page.textContent(tile + ' .push');
    await page.screenshot({ path: outdir + '/tile.png' });
    ok = true;
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
