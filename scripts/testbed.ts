// The notesctl test bed by hand (shared/TESTBED.md). Node 24 runs this file directly:
//   node scripts/testbed.ts engine | images
import { ensureEngine } from '../test/bed/engine.ts';
import { ensureBaseImages } from '../test/bed/images.ts';
import { log } from '../test/bed/log.ts';

const usage = `usage: node scripts/testbed.ts <command>
  engine    make sure the local Docker engine answers (installs/starts it as root)
  images    make sure node:24-bookworm-slim and mariadb:10.11 exist (builds stand-ins)`;

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  switch (command) {
    case 'engine': {
      const report = await ensureEngine();
      log(`engine ${report.action} (${report.ms} ms)`);
      return;
    }
    case 'images': {
      await ensureEngine();
      for (const report of await ensureBaseImages()) {
        log(`${report.image}: ${report.action} (${(report.ms / 1000).toFixed(1)} s)`);
      }
      return;
    }
    default:
      console.error(usage);
      process.exitCode = 2;
  }
}

await main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
