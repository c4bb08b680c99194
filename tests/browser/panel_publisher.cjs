// The panel in headless Chromium shows who publishes a stream: signs in,
// waits for STREAM's tile to play and to name its publisher (protocol and
// address), and takes a screenshot (OUTDIR/publisher.png). Prints the
// tile's text as JSON; exits 0 when it showed EXPECTED.
//   node panel_publisher.cjs URL USER PASSWORD STREAM EXPECTED OUTDIR
const { launchChromium } = require('./chromium.cjs');

const [url, user, password, stream, expected, outdir] = process.argv.slice(2);

(async () => {
  const browser = await launchChromium();
  const seen = {};
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(url);
    await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
    await page.fill('#login [name=user]', user);
    await page.fill('#login [name=password]', password);
    await page.click('#login button[type=submit]');
    const tile = '.tile[data-stream="' + stream + '"]';
    await page.waitForSelector(tile, { timeout: 10000 });
    await page.waitForFunction(([t, text]) => {
      const el = document.querySelector(t);
      const v = el && el.querySelector('video');
      return el && el.textContent.includes(text) && v && v.videoWidth > 0
        && v.currentTime > 0.5;
    }, [tile, expected], { timeout: 30000 });
    seen.stats = await page.textContent(tile + ' .stats');
    await page.screenshot({ path: outdir + '/publisher.png' });
    ok = true;
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
