"""The help text of `model-gate test-policy` (no imports: the CLI builds its parser fast)."""

HELP = """\
A cases file names a policy and lists cases; each case gives data (inline columns or a data file
beside the cases file), optional `binding:` (a policy's data: keys), `model:`,
`baseline_model:`, `model_card:`, `today:` (YYYY-MM-DD: the run date that waivers and their
expiry are judged on; default: the real date) and `expect:` (`decision:` approve / block /
report, and per check a status, `absent`, or {status: .., value: {min: .., max: ..}}).
Every case runs and reports; exit 0 when all pass, 1 when any fails, 2 for a malformed file.

examples:
  model-gate test-policy policies/cases/deploy.yaml

a cases file:
  policy: policy.yaml
  cases:
    - name: a fair model passes
      data: {sex: [M, F, M, F], y: [1, 0, 1, 0], pred: [1, 0, 1, 0]}
      binding: {label: y, prediction: pred, sensitive: [sex]}
      today: "2026-01-15"
      expect:
        decision: approve
        checks: {parity: pass, accuracy: {status: pass, value: {min: 0.9}}}
"""
