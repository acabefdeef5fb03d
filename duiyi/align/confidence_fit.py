"""Constants of the bead confidence model (confidence.py). Generated, do not edit: refit with
`python benchmarks/align_calibration.py --write` (BENCHMARKS.md, "Confidence")."""

# fitted on mac-dev, aca, mag, bible-001: 8,397 beads, 623 of them wrong
INTERCEPT = 0.9792
WEIGHTS = {"posterior": 0.6416, "null": -5.0532}
