#!/bin/bash
# NetInf GPU engine vs CPU engine on a lent GPU machine (issue 21), in one call:
#   run(command="bash scripts/device_netinf.sh", carry=[".dev", ".gl"], timeout_s=560)
# Needs, prepared on the build machine (nothing is built on the device machine):
#   .dev/cascadia   a release build (cargo build --release; strip), the same commit
#   .dev/kcp1024-exp-cascades.txt   copied from ../shared/fixtures/netinf/
#   .gl/*.deb       the Vulkan loader (apt-get download libvulkan1), unpacked here
# Generates the 2048-node and the dense 4096-node sets, runs each engine twice per set
# (CPU engine on every core, then the GPU engine), compares the edges files byte for byte
# (also --model pow, --model ray and --weights paper --ties last on the fixture), and prints
# one table with the counters of the --summary JSON. Everything lands in $OUT.
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
R=$PWD
B=${B:-$R/.dev/cascadia}
for f in "$R"/.gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
ldconfig 2>/dev/null
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f $ICD ] && export VK_DRIVER_FILES=$ICD
{ nvidia-smi -L; echo "cores: $(nproc)"; } > "$OUT/machine.txt" 2>&1
W=/tmp/netinf_sets
mkdir -p $W && cd $W || exit 1
cp "$R/.dev/kcp1024-exp-cascades.txt" kcp1024.txt
t0=$(date +%s)
# QUICK=1 (a rehearsal on a machine without a GPU): the fixture only.
SETS="kcp1024 kcp1024.txt 1444"
if [ -z "${QUICK:-}" ]; then
  $B synth graph --nodes 2048 --edges 4289 --seed 1 --output g2048.txt > /dev/null
  $B synth cascades --network g2048.txt --seed 1 --output c2048.txt > /dev/null
  $B synth graph --nodes 4096 --edges 9173 --seed 1 --output g4096.txt > /dev/null
  $B synth cascades --network g4096.txt --seed 1 --output c4096.txt > /dev/null
  SETS="$SETS;n2048 c2048.txt 4289;n4096 c4096.txt 9173"
fi
echo "generated in $(( $(date +%s) - t0 )) s" >> "$OUT/machine.txt"

run() { # name input edges backend rep [extra flags...]
  local name=$1 input=$2 k=$3 be=$4 rep=$5; shift 5
  /usr/bin/time -f "%e" -o "$OUT/${name}_${be}_${rep}.time" \
    timeout "${T_RUN:-150}" $B netinf -q -i "$input" --edges "$k" --backend "$be" \
    -o "$OUT/${name}_${be}_${rep}.csv" --summary "$OUT/${name}_${be}_${rep}.json" "$@" \
    2> "$OUT/${name}_${be}_${rep}.err"
}
IFS=';' read -r -a sets <<< "$SETS"
for set in "${sets[@]}"; do
  read -r name input k <<< "$set"
  for rep in 1 2; do
    run "$name" "$input" "$k" cpu $rep
    run "$name" "$input" "$k" gpu $rep
  done
done
for v in "pow --model pow --alpha 2" "ray --model ray" "paper --weights paper --ties last"; do
  read -r tag flags <<< "$v"
  # shellcheck disable=SC2086
  run "kcp1024$tag" kcp1024.txt 1444 cpu 1 $flags
  # shellcheck disable=SC2086
  run "kcp1024$tag" kcp1024.txt 1444 gpu 1 $flags
done
# Where the device time goes: every kernel timed once (timestamps between dispatches; slower).
if [ -z "${QUICK:-}" ]; then run n2048prof c2048.txt 4289 gpu 1 --gpu-profile; fi
run kcp1024prof kcp1024.txt 1444 gpu 1 --gpu-profile
cd "$OUT" || exit 1
python3 - <<'EOF' | tee table.md
import json, os, filecmp
def load(p):
    try:
        return json.load(open(p))['stats']
    except Exception as e:
        return None
def t(p):
    try:
        return float(open(p).read().split()[-1])
    except Exception:
        return float('nan')
print("| set | CPU engine (s) | GPU engine (s) | ratio | edges | GPU: rounds, submissions, incidences (CPU's), host s, wait s, MB up/down |")
print("|---|---:|---:|---:|---|---|")
for name in ["kcp1024", "n2048", "n4096", "kcp1024pow", "kcp1024ray", "kcp1024paper"]:
    if not os.path.exists(f"{name}_cpu_1.json"):
        continue
    reps = [1, 2] if not name.startswith("kcp1024") or name == "kcp1024" else [1]
    cpu = [t(f"{name}_cpu_{r}.time") for r in reps]
    gpu = [t(f"{name}_gpu_{r}.time") for r in reps]
    same = all(os.path.exists(f"{name}_{b}_{r}.csv") for b in ["cpu", "gpu"] for r in reps) and all(
        filecmp.cmp(f"{name}_cpu_{reps[0]}.csv", f"{name}_{b}_{r}.csv", shallow=False) for b in ["cpu", "gpu"] for r in reps)
    s, c = load(f"{name}_gpu_{reps[-1]}.json"), load(f"{name}_cpu_{reps[-1]}.json")
    g = (s or {}).get("gpu") or {}
    counters = "-" if not g else (f"{g['rounds']}, {g['submissions']}, {s['incidences_evaluated']/1e6:.1f}M "
        f"({c['incidences_evaluated']/1e6:.1f}M), {g['seconds_host']:.2f}, {g['seconds_wait']:.2f}, "
        f"{g['bytes_up']/1e6:.0f}/{g['bytes_down']/1e6:.0f}; nodes {s['seconds_nodes']:.2f} s vs CPU "
        f"{c['seconds_nodes']:.2f} s, merge {s['seconds_merge']:.2f} s")
    print(f"| {name} | {' / '.join(f'{x:.2f}' for x in cpu)} | {' / '.join(f'{x:.2f}' for x in gpu)} | "
          f"{min(cpu)/min(gpu):.2f} | {'identical' if same else 'DIFFER'} | {counters} |")
for name in ["kcp1024prof", "n2048prof"]:
    s = load(f"{name}_gpu_1.json")
    g = (s or {}).get("gpu") or {}
    ks = g.get("kernel_seconds")
    if ks:
        print(f"{name}: nodes {s['seconds_nodes']:.3f} s, device time per kernel: "
              + ", ".join(f"{k} {v:.4f}" for k, v in sorted(ks.items(), key=lambda x: -x[1])))
EOF
cat machine.txt
for f in *.err; do [ -s "$f" ] && { echo "== $f"; tail -3 "$f"; }; done
exit 0
