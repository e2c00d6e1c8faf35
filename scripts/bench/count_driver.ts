// Call one Node.js bench workload a given number of times, for instructions.py to count.
//
// `node scripts/bench/count_driver.ts WORKLOAD CALLS` imports the example's workloads,
// calls WORKLOAD's function CALLS times and prints one JSON line: the workload, the calls
// made and a checksum of the results (which also keeps the JIT from dropping a call).
// Nothing else happens in the run, so the instructions of two runs with different CALLS
// differ only by the calls in between.

import { JSON_PAYLOAD, multiplyPure } from "../../examples/node/bench/workloads.ts";

const WORKLOADS: Record<string, () => number> = {
  cpu: () => multiplyPure().trace, // behind /cpu
  json: () => JSON.stringify(JSON_PAYLOAD).length, // the body of /json
};

const [name = "", count = ""] = process.argv.slice(2);
const workload = WORKLOADS[name];
if (!workload || !/^\d+$/.test(count)) {
  console.error(`usage: count_driver.ts {${Object.keys(WORKLOADS).join(",")}} CALLS`);
  process.exit(2);
}
const calls = Number(count);
let checksum = 0;
for (let i = 0; i < calls; i++) checksum += workload();
console.log(JSON.stringify({ workload: name, calls, checksum }));
