// SPDX-License-Identifier: GPL-2.0-or-later
// The dashboard in a real browser (headless Chromium through playwright-core):
// log in, read a kernel's exposure, open a CVE, upload a deployable patch, watch
// the worker build and boot-test it, approve it as a second reviewer, and find it
// released to the canary tier. Run by test_dashboard_browser.py, which passes
// everything in the environment and reads the last line ("ok" or the failure).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(process.env.TT_NODE_MODULES + '/');
const { chromium } = require('playwright-core');

const url = process.env.TT_URL;
const shots = process.env.TT_SHOTS;
const tokens = JSON.parse(process.env.TT_TOKENS);
const cve = process.env.TT_CVE;
const profile = process.env.TT_PROFILE;
const kernel = process.env.TT_KERNEL;
// The fake run uploads a stub patch and fake steps answer in seconds; the real
// one uploads a patch for the kernel and a `tuxtape worker --server` builds and
// boots it under QEMU. These say what to upload and what to expect in the logs.
const patchText = process.env.TT_PATCH_TEXT ||
  '--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1,3 +1,5 @@\n int a(int x)\n {\n+\tif (x < 0)\n+\t\treturn 0;\n';
const patchMark = process.env.TT_PATCH_MARK || 'fs/a.c';
const buildMark = process.env.TT_BUILD_MARK || 'fake build';
const testMark = process.env.TT_TEST_MARK || 'boot test';
const jobSeconds = Number(process.env.TT_JOB_SECONDS || '60');

let dialogs = 0; // an alert() would mean a title's <script> ran

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

async function shot(page, name) {
  const file = path.join(shots, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log('screenshot ' + file);
}

// A fresh browser context per operator: their own cookie jar.
async function login(browser, who) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.goto(url + '/ui/');
  check(page.url().endsWith('/ui/login'), 'logged-out visit goes to the login page');
  await page.fill('#token', tokens[who]);
  await Promise.all([page.waitForURL(url + '/ui/'), page.click('#login-submit')]);
  check((await page.textContent('#who')).includes(who), who + ' is logged in');
  return { context, page };
}

async function waitForJob(page, jobId, state, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    await page.goto(url + '/ui/job/' + jobId);
    const now = (await page.textContent('#job-state')).trim();
    if (now === state) return;
    check(now !== 'failed', 'job ' + jobId + ' failed: ' + (await page.textContent('#job')));
    await page.waitForTimeout(500);
  }
  throw new Error('job ' + jobId + ' did not reach ' + state + ' in ' + seconds + ' s');
}

async function authorFlow(browser) {
  const { context, page } = await login(browser, 'alice');
  await shot(page, '01-fleet');
  await page.goto(url + '/ui/exposure');
  check(await page.isVisible('svg.plot'), 'the exposure plot is drawn');
  await shot(page, '02-exposure-index');
  await Promise.all([page.waitForURL(/\/ui\/exposure\/.+/), page.click('#profiles a:text("' + profile + '")')]);
  const rows = await page.locator('#exposure tbody tr').count();
  check(rows > 0, 'the exposure page lists CVEs');
  check((await page.textContent('#exposure')).includes('<script>'), 'titles are shown as text');
  await shot(page, '03-exposure');
  await Promise.all([page.waitForURL(/\/ui\/cve\//), page.click('a.cve:text("' + cve + '")')]);
  check((await page.textContent('h1')).includes(cve), 'the CVE page opened');
  check((await page.textContent('#raw-patch')).includes('refuse a negative index'),
    'the raw patch is shown');
  await shot(page, '04-cve');

  await page.setInputFiles('#patch-file', {
    name: 'fix.patch', mimeType: 'text/x-diff',
    buffer: Buffer.from(patchText),
  });
  await page.waitForFunction((mark) => document.getElementById('patch-text').value.includes(mark),
    patchMark);
  await page.fill('#message', 'livepatch: guard the negative index');
  await page.fill('#kernels', kernel);
  await Promise.all([page.waitForURL(/\/ui\/cve\//), page.click('#upload')]);
  check((await page.textContent('#revisions')).includes('alice'), 'revision 1 by alice');
  const jobLink = page.locator('#cve-jobs a').first();
  const jobId = (await jobLink.textContent()).trim();
  await shot(page, '05-cve-uploaded');

  await waitForJob(page, jobId, 'passed', jobSeconds);
  check((await page.textContent('#build-log')).includes(buildMark),
    'the build log is shown (with "' + buildMark + '")');
  check((await page.textContent('#test-log')).includes(testMark),
    'the test log is shown (with "' + testMark + '")');
  check(!(await page.isVisible('#approve')), 'the author gets no approve button');
  check(await page.isVisible('#approve-refused'), 'the author is told why');
  await shot(page, '06-job-passed');
  await page.goto(url + '/ui/pipeline');
  check((await page.textContent('#jobs-2')).includes(cve), 'the job awaits review');
  await shot(page, '07-pipeline');

  // The author forges the approval: refused without the form's token, and by policy with it.
  // (The page's own script cannot even try: the policy allows it no fetch.)
  const forged = (await context.request.post(url + '/ui/job/' + jobId + '/approve', {
    form: { csrf: '00' }, maxRedirects: 0 })).status();
  check(forged === 403, 'a POST without the CSRF token is refused (got ' + forged + ')');
  await context.close();
  return jobId;
}

async function reviewerFlow(browser, jobId) {
  const { context, page } = await login(browser, 'bob');
  await page.goto(url + '/ui/job/' + jobId);
  await Promise.all([page.waitForURL(url + '/ui/rollouts'), page.click('#approve')]);
  const row = page.locator('#releases tbody tr').first();
  const text = await row.textContent();
  check(text.includes(cve.toLowerCase().replace(/-/g, '_')), 'the release names the module');
  check((await row.locator('td.tier').textContent()).trim() === 'canary', 'released to canary');
  await shot(page, '08-rollouts');
  await page.goto(url + '/ui/pipeline');
  check((await page.textContent('#jobs-3')).includes(cve), 'the job shows as released');
  await context.close();
}

async function roleFlow(browser) {
  const viewer = await login(browser, 'vera');
  const res = await viewer.page.goto(url + '/ui/audit');
  check(res.status() === 403, 'a viewer may not read the audit log');
  await viewer.page.goto(url + '/ui/cve/' + cve);
  check(!(await viewer.page.isVisible('#revise')), 'a viewer gets no upload form');
  await viewer.context.close();
  const admin = await login(browser, 'root');
  await admin.page.goto(url + '/ui/audit');
  const audit = await admin.page.textContent('#audit');
  check(audit.includes('patch.approve') && audit.includes('operator:bob'), 'the approval is audited');
  await shot(admin.page, '09-audit');
  await admin.context.close();
}

const browser = await chromium.launch({
  executablePath: process.env.TT_CHROMIUM,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const jobId = await authorFlow(browser);
  await reviewerFlow(browser, jobId);
  await roleFlow(browser);
  check(dialogs === 0, 'no script from the data ran');
  console.log('ok');
} catch (e) {
  console.log('FAIL: ' + e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
