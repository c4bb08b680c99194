// The panel's System page in headless Chromium (no users): CPU per core,
// memory, network, the recordings disk, each stream's bitrate with its
// sparkline, and the log tail, updating live. Prints what it saw as JSON;
// exits 0 when CPU and memory read above zero and a stream's sparkline drew.
//   node panel_system.cjs URL STREAM SCREENSHOT
const { launchChromium } = require('./chromium.cjs');

const [url, stream, screenshot] = process.argv.slice(2);
const seen = {};

(async () => {
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.click('nav [data-view=system]');
    // Two samples apart: some core has been busy, the sparkline has a line.
    await page.waitForFunction((n) => {
      const busy = [...document.querySelectorAll('#system-cores .core')]
        .some((c) => Number(c.dataset.busy) > 0);
      const line = document.querySelector('#system-streams tr[data-stream="' + n + '"] polyline');
      return busy && line && line.getAttribute('points').split(' ').length >= 2;
    }, stream, { timeout: 20000 });
    seen.cores = await page.$$eval('#system-cores .core', (c) => c.map((x) => Number(x.dataset.busy)));
    seen.memory_used = Number(await page.getAttribute('#system-memory', 'data-used'));
    seen.memory = await page.textContent('#system-memory');
    seen.network = await page.textContent('#system-network');
    seen.disk = await page.textContent('#system-disk');
    seen.bitrate = await page.textContent('#system-streams tr[data-stream="' + stream + '"] td:nth-child(2)');
    seen.log_lines = (await page.textContent('#system-log')).split('\n').filter(Boolean).length;
    await page.screenshot({ path: screenshot });
    ok = seen.cores.some((c) => c > 0) && seen.memory_used > 0 && seen.log_lines > 0
      && seen.bitrate !== '—';
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
