#!/usr/bin/env bash
# Scheduled monitoring on a host (cron) with node_exporter's textfile collector, e.g.
#   17 4 * * *  cd /srv/credit && ./textfile-collector.sh
# It runs the monitoring policy on the exported production logs and publishes metrics.prom
# atomically (copy beside, then rename: the collector reads *.prom only, never half a file).
# - A BLOCK (exit 1) is a result to publish, not a failure of the script: the exit code is
#   caught (`|| code=$?`), so even under `set -e` the blocking metrics reach the collector.
# - model-gate replaces --output-dir whole on every run, and on exit 2 or 3 writes a
#   metrics.prom holding decision="error" and the exit code; the old file is removed first,
#   so a run that wrote nothing unpublishes the old one (alert on absent(...)), and a previous
#   run's approve is never copied again.
# - One file is one monitored thing: a second model monitored with the same policy gets its own
#   TEXTFILE name; its series differ by the `model` label (the data or model file's name).
# The script exits with model-gate's exit code, so cron reports a BLOCK or an error.
set -u -o pipefail
POLICY=${POLICY:-policies/monitor.yaml}
DATA=${DATA:-data/production.parquet}
REFERENCE=${REFERENCE:-data/reference.profile}
OUT=${OUT:-/var/lib/model-gate/credit}
TEXTFILE=${TEXTFILE:-/var/lib/node_exporter/textfile/model-gate-credit.prom}

rm -f "$OUT/metrics.prom"
code=0
model-gate check --policy "$POLICY" --data "$DATA" --reference "$REFERENCE" \
  --output-dir "$OUT" --format prometheus --no-progress || code=$?
if [ -f "$OUT/metrics.prom" ]; then
  cp "$OUT/metrics.prom" "$TEXTFILE.$$" && mv "$TEXTFILE.$$" "$TEXTFILE"
else
  rm -f "$TEXTFILE"
fi
exit "$code"
