"""Constants of the bead confidence model (confidence.py). Generated, do not edit: refit with
`python benchmarks/align_calibration.py --write` (BENCHMARKS.md, "Confidence")."""

# fitted on mac-dev, aca, mag, bible-001: 8,396 beads, 633 of them wrong
INTERCEPT = 0.9261
WEIGHTS = {"posterior": 0.6544, "null": -5.0147}
