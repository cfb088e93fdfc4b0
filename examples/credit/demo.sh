#!/usr/bin/env bash
# Runs the gate on the credit example twice: a policy the candidate meets (exit 0), and a stricter
# one it does not (exit 1). Fails if either outcome is not the expected one.
set -u
cd "$(dirname "$0")/../.." || exit 1   # run from the repository root: paths in reports stay short
here=examples/credit
gate=${MODEL_GATE:-model-gate}
build="$here/build"
python "$here/generate.py" "$build" || exit 1

# The candidate is a GradientBoostingClassifier: its tree storage (sklearn.tree._tree.Tree) is
# a type skops does not trust by default (a crafted file could read memory out of bounds at
# predict time). generate.py built this file here, so the demo trusts that one type by name.
trust=(--trust-type sklearn.tree._tree.Tree)

run() {  # run POLICY OUTDIR EXPECTED_EXIT
  echo
  echo "=== model-gate check --policy $here/$1 (expect exit $3)"
  "$gate" check --policy "$here/$1" --model "$build/candidate.skops" \
    --baseline-model "$build/production.skops" --data "$build/eval.csv" \
    --output-dir "$build/$2" --format markdown --format html "${trust[@]}"
  code=$?
  echo "--- exit code $code; reports in $build/$2/ (open $build/$2/report.html in a browser)"
  [ "$code" -eq "$3" ] || { echo "demo: expected exit $3, got $code" >&2; exit 1; }
}

run policy.yaml approved 0
run policy-strict.yaml blocked 1
echo
echo "=== the pull-request report for the blocked run ($build/blocked/report.md):"
cat "$build/blocked/report.md"
echo
echo "=== the HTML reports (self-contained, open in any browser):"
for dir in approved blocked; do
  echo "  $(pwd)/$build/$dir/report.html ($(wc -c < "$build/$dir/report.html") bytes)"
done
