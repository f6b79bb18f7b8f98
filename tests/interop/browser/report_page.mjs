// Loads one report page in headless Debian Chromium for
// tests/interop/test_report_page.py: `node report_page.mjs URL SCREENSHOT`.
// Saves a full-page PNG screenshot and prints one JSON line on stdout with
// what the DOM holds (the verdict, the NAT diagram, each stream's timeline
// charts and their points) and every request the page made, so the test can
// check that nothing came from anywhere but the page itself.
import {chromium} from 'playwright-core';
import {existsSync} from 'node:fs';

function chromiumPath() {
  if (process.env.PARROT_CHROMIUM) return process.env.PARROT_CHROMIUM;
  return ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(existsSync) || 'chromium';
}

async function main() {
  const [url, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({executablePath: chromiumPath(), headless: true});
  try {
    const page = await browser.newPage({viewport: {width: 1000, height: 800}});
    const requests = [];
    const errors = [];
    page.on('request', request => requests.push(request.url()));
    page.on('pageerror', error => errors.push(error.message));
    page.on('console', message => { if (message.type() === 'error') errors.push(message.text()); });
    const response = await page.goto(url);
    await page.screenshot({path: screenshot, fullPage: true});
    const dom = await page.evaluate(() => {
      const verdict = document.querySelector('#verdict');
      const diagram = document.querySelector('svg#nat-diagram');
      const streams = [...document.querySelectorAll('section.stream')].map(section => ({
        media: section.dataset.media,
        heading: section.querySelector('h3')?.textContent ?? '',
        charts: [...section.querySelectorAll('svg.timeline')].map(svg => ({
          figure: svg.dataset.figure,
          // Points of every line in the chart, as the browser parsed them.
          points: [...svg.querySelectorAll('polyline')].reduce((n, line) => n + line.points.numberOfItems, 0),
          width: svg.getBoundingClientRect().width,
        })),
      }));
      return {
        title: document.title,
        verdict: verdict ? verdict.textContent : null,
        summary: document.querySelector('#summary')?.textContent ?? null,
        diagram: diagram ? {text: diagram.textContent, width: diagram.getBoundingClientRect().width} : null,
        streams,
        scripts: document.querySelectorAll('script').length,
        images: document.querySelectorAll('img').length,
        meta: document.querySelector('.meta')?.textContent ?? '',
      };
    });
    process.stdout.write(JSON.stringify({status: response.status(), headers: response.headers(), requests, errors,
                                         dom}) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
