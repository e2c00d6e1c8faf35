// CPU-bound work of a fixed duration, shared by the naive route and the worker
// thread.
// --8<-- [start:burn]
export function burn(ms: number): number {
  // Busy for `ms` milliseconds of wall time, so the demonstration means the
  // same on any machine.
  const deadline = performance.now() + ms;
  let rounds = 0;
  while (performance.now() < deadline) {
    let sum = 0;
    for (let i = 0; i < 1_000; i++) sum += i * i;
    // Never true, but reading `sum` keeps V8 from optimising the loop away.
    if (sum < 0) throw new Error("unreachable");
    rounds += 1;
  }
  return rounds;
}
// --8<-- [end:burn]
