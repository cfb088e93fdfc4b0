"""`model-gate serve`: canary analysis as an authenticated HTTP service (Flagger webhooks,
Argo Rollouts web metrics). config: what the service was started with; calls: a request's
fields as an analysis, confined to the data root; worker: the analysis in a child process,
bounded in time; app: the Starlette routes."""
