"""Constants of the bead confidence model (confidence.py). Generated, do not edit: refit with
`python benchmarks/align_calibration.py --write` (BENCHMARKS.md, "Confidence")."""

# fitted on mac-dev, aca, mag, bible-001: 8,395 beads, 634 of them wrong
INTERCEPT = 0.9134
WEIGHTS = {"posterior": 0.6579, "null": -4.9997}
