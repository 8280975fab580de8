// Flow control's bench figure alone (bench/flow.ts), on its own `wrangler dev`:
//   npx esbuild bench/flow-main.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=node_modules/.bench/flow.mjs && node node_modules/.bench/flow.mjs
import { startWorker } from "../tests/support/worker.ts";
import { Client } from "./common.ts";
import { flowFigure, flowLines } from "./flow.ts";

const w = await startWorker({
  vars: {
    SWITCHYARD_RATE_LIMITS: JSON.stringify({ events: { perSecond: 1e6, burst: 1e6 } }),
    SWITCHYARD_D1_LIMITS: "false",
  },
});
try {
  const api = new Client(w.baseUrl, { key: w.vars.SWITCHYARD_DEMO_API_KEY });
  for (const line of flowLines(await flowFigure(api))) console.log(line);
} finally {
  await w.stop();
}
