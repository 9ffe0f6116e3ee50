/** `node dist/src/train/heads/embed.js`: fills the shared embedding cache with the heads' training texts (calibration slice first). */
import { embedCached } from '../embed-cache';
import { headsData } from './data';

async function main(): Promise<void> {
  const d = headsData();
  process.stderr.write(`heads data: calibration ${d.calibration.length}, vector-train ${d.vectorTrain.length}\n`);
  await embedCached(d.calibration.map((r) => r.text));
  await embedCached(d.vectorTrain.map((r) => r.text));
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
