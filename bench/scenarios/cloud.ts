// Cloud drive transfers and share links. Targets (cloud issue): a 500 MB upload at ≥ 400 MB/s with
// the API's RSS growing < 64 MB; a 100 MB file downloaded through a share link at ≥ 1 GB/s from the
// page cache; ≥ 200 share links created per second, each with its expiry workflow.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultRow, Scenario } from '../lib/scenario.js';
import { download, makeFile, mbPerSecond, uploadFile, withPeakRss } from '../lib/transfers.js';

const MB = 1024 * 1024;
const LINKS = 400;

export const scenario: Scenario = {
  name: 'cloud',
  description: `a 500 MB upload, a 100 MB shared download, ${LINKS} share links created 10 at a time`,
  async run(stack, log) {
    const cloud = stack.urls.cloud;
    const rows: ResultRow[] = [];
    const large = join(tmpdir(), `qhitz-bench-cloud-${process.pid}-500.bin`);
    const medium = join(tmpdir(), `qhitz-bench-cloud-${process.pid}-100.bin`);
    await Promise.all([makeFile(large, 500 * MB), makeFile(medium, 100 * MB)]);
    try {
      const token = await stack.token({ id: 1 });
      log('cloud: one 500 MB upload');
      const upload = await withPeakRss(stack, 'cloud', () => uploadFile(`${cloud}/api/cloud/upload`, token, large, 500 * MB, 'backup.bin'));
      if (upload.result.status !== 201) throw new Error(`upload: ${upload.result.status} ${JSON.stringify(upload.result.body)}`);
      const rate = mbPerSecond(500 * MB, upload.result.ms);
      rows.push({
        name: 'cloud upload, 500 MB',
        figures: { mbPerSecond: rate, ms: Math.round(upload.result.ms), rssGrowthMiB: upload.peakGrowthMiB },
        target: '≥ 400 MB/s, RSS growth < 64 MB',
        met: rate >= 400 && upload.peakGrowthMiB < 64,
      });

      log('cloud: a 100 MB file through a share link');
      const stored = await uploadFile(`${cloud}/api/cloud/upload`, token, medium, 100 * MB, 'video.bin');
      const fileId = stored.body.files[0].id as number;
      const share = await fetch(`${cloud}/api/cloud/share/${fileId}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ expires_in: 3600 }) });
      const link = ((await share.json()) as { shared_link: string }).shared_link;
      await download(`${cloud}/api/cloud/shared/${link}`); // warms the page cache
      const runs = [];
      for (let round = 0; round < 5; round++) runs.push(await download(`${cloud}/api/cloud/shared/${link}`));
      if (runs.some((run) => run.status !== 200 || run.bytes !== 100 * MB)) throw new Error(`shared download: ${JSON.stringify(runs)}`);
      const best = Math.max(...runs.map((run) => mbPerSecond(run.bytes, run.ms)));
      const median = runs.map((run) => mbPerSecond(run.bytes, run.ms)).sort((a, b) => a - b)[2]!;
      rows.push({ name: 'cloud shared download, 100 MB (5 runs)', figures: { mbPerSecond: median, bestMbPerSecond: best }, target: '≥ 1,000 MB/s', met: median >= 1000 });

      log(`cloud: ${LINKS} share links`);
      let next = 0;
      let failures = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next++ < LINKS) {
            const created = await fetch(`${cloud}/api/cloud/share/${fileId}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ expires_in: 3600 }) });
            if (created.status !== 201) failures++;
            await created.arrayBuffer();
          }
        }),
      );
      const perSecond = Math.round(LINKS / ((performance.now() - started) / 1000));
      rows.push({ name: 'cloud share links created (row + workflow)', figures: { linksPerSecond: perSecond, errors: failures }, target: '≥ 200/s, 0 errors', met: perSecond >= 200 && failures === 0 });
    } finally {
      await Promise.all([rm(large, { force: true }), rm(medium, { force: true })]);
    }
    return rows;
  },
};
