/**
 * @module A noisy neighbour for the bench: streams through 64 MiB (twice the bench VM's L3 cache) one cache line at a
 * time, forever, so whatever shares the host's caches finds them cold. Run it on the load generator's core beside a
 * bench run (BENCHMARKS.md, "A neighbour that evicts the caches"):
 * `taskset -c 1 npm run bench:cache-neighbour & npm run bench -- --only=orders …; kill %1`
 */
const CACHE_LINE_WORDS = 8;
const words = new Float64Array(8 * 1024 * 1024);
let sum = 0;
for (;;) {
  for (let index = 0; index < words.length; index += CACHE_LINE_WORDS) {
    sum += words[index] as number;
    words[index] = sum;
  }
}
