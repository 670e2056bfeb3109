#!/usr/bin/env bash
# Fuzzes every reader for SECONDS each (default 600), seeded from ../shared/fixtures and the
# bundled sample; prints one line per target. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). A crash, a timeout (a run over 10 s: a hang) or an allocation
# over the limits (RSS 2 GiB, one malloc of 512 MiB) stops its target and fails this script,
# leaving the input in fuzz/artifacts/<target>/.
#   bash fuzz/run.sh 600      # the 10-minute run per reader
#   bash fuzz/run.sh 10       # CI's smoke
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-600}"
SHARED="${CASCADIA_SHARED:-../shared}"
F="$SHARED/fixtures"
TARGETS=(long_csv casin jsonl snap_text netinf_csv network)

seed() { # seed TARGET NAME < bytes
  mkdir -p "fuzz/corpus/$1"
  cat > "fuzz/corpus/$1/$2"
}
# The long CSV and per-cascade targets read an options byte first.
{ printf '\x00'; head -c 16384 data/sample-retweets.csv; } | seed long_csv sample
{ printf '\x81'; head -c 4096 "$F/influence/cascades.csv"; } | seed long_csv fixture-general
{ printf '\x03'; printf 'cascade_id,time,user_id,followers\nb,1,u2,3\na,0,u1,10\nb,0,u1,1\na,"5",u3,2\n'; } | seed long_csv grouped
{ printf '\x00'; printf 'time,magnitude,user_id\n0,1000,u1\n60,10,u2\n2016-09-27T01:00:00Z,5,u3\n'; } | seed casin small
{ printf '\x00'; printf '{"cascade_id":"c1","events":[{"time":0,"user_id":"u1","followers":10},{"time":"1970-01-01T00:01:00Z","user_id":"u2","followers":3}]}\n'; } | seed jsonl small
head -c 16384 "$F/netinf/hier256-pow-cascades.txt" | seed snap_text hier256
printf '0,a\r\n1,b\r\n2,c\r\n\r\n0,0.5,1,1.5,2,2.25\r\n1,0,2,3\r\n' | seed snap_text small
head -c 16384 "$F/survival/netrate-demo-cascades.txt" | seed snap_text netrate
printf 'cascade_id,node,time\nc1,0,0.5\nc2,1,0\nc1,1,1.5\nc1,0,2\n' | seed netinf_csv small
head -c 8192 "$F/netinf/hier256-pow-network.txt" | seed network hier256
printf '0,0\n1,1\n2,2\n\n0,1,1.5\n1,2\n' | seed network small

cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O
status=0
for t in "${TARGETS[@]}"; do
  log="fuzz/$t.log"
  if cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
      -max_len=65536 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  echo "fuzz $t: $result, $runs runs in ${SECONDS_EACH} s, coverage $cov edges (log: $log)"
done
exit $status
