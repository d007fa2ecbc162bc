#!/usr/bin/env bash
# Runs a chunked vps job on Kubernetes: the config, the Indexed Job of
# chunks, then (only if every index completed) the stitch Job.
# usage: deploy/k8s/run.sh [TIMEOUT]   (stitch timeout, default 24h; kubectl's current context)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
timeout=${1:-24h}
kubectl apply -f "$here/run-config.yaml"
kubectl delete job vps-chunks vps-stitch --ignore-not-found
kubectl apply -f "$here/chunks-job.yaml"
# Poll until the chunk job is Complete (go on) or Failed (stop).
while true; do
  state=$(kubectl get job vps-chunks -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
  case "$state" in
    *Complete*) break ;;
    *Failed*) echo "run.sh: chunk job failed: kubectl describe job vps-chunks" >&2; exit 1 ;;
  esac
  sleep 10
done
kubectl apply -f "$here/stitch-job.yaml"
kubectl wait --for=condition=complete --timeout="$timeout" job/vps-stitch
kubectl logs job/vps-stitch
