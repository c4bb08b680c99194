// The panel on a cluster node that does not own STREAM, in headless
// Chromium (no users): its tile plays (WebRTC, served by this node as an
// edge), the Cluster page lists both nodes and STREAM's owner, and "Move"
// hands STREAM to this node. Prints what it saw as JSON; exits 0 when every
// step worked.
//   node panel_cluster.cjs URL STREAM THIS_NODE SCREENSHOT_DIR
const { launchChromium } = require('./chromium.cjs');

const [url, stream, self, outdir] = process.argv.slice(2);
const seen = { steps: [] };

(async () => {
  const browser = await launchChromium();
  let ok = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(url);
    await page.waitForFunction((n) => {
      const tile = document.querySelector('.tile[data-stream="' + n + '"]');
      const v = tile && tile.querySelector('video');
      return v && v.videoWidth > 0 && v.currentTime > 0.5;
    }, stream, { timeout: 30000 });
    seen.playback = await page.$eval('.tile[data-stream="' + stream + '"]', (t) => t.dataset.playback);
    seen.steps.push('the edge plays the stream');

    await page.click('nav [data-view=cluster]');
    await page.waitForSelector('#cluster-nodes tbody tr:nth-child(2)', { timeout: 10000 });
    seen.nodes = await page.$$eval('#cluster-nodes tbody tr', (r) => r.map((x) => x.dataset.node));
    const owner = '#cluster-owners tr[data-stream="' + stream + '"] .owner';
    seen.owner = await page.textContent(owner);
    await page.screenshot({ path: outdir + '/14-cluster.png' });
    if (seen.owner === self) throw new Error('this node already owns ' + stream);
    await page.selectOption('#cluster-owners tr[data-stream="' + stream + '"] select', self);
    await page.click('#cluster-owners tr[data-stream="' + stream + '"] button');
    await page.waitForFunction(([o, s]) => {
      const cell = document.querySelector(o);
      return cell && cell.textContent === s;
    }, [owner, self], { timeout: 15000 });
    seen.steps.push('moved to this node');
    await page.screenshot({ path: outdir + '/15-cluster-moved.png' });
    ok = seen.nodes.length === 2;
  } catch (e) {
    seen.error = String(e && e.stack || e);
  }
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(ok ? 0 : 1);
})();
