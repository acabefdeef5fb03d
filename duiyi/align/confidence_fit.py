"""Constants of the bead confidence model (confidence.py). Generated, do not edit: refit with
`python benchmarks/align_calibration.py --write` (BENCHMARKS.md, "Confidence")."""

# fitted on mac-dev, aca, mag, bible-001: 8,396 beads, 92 of them wrong pairs
INTERCEPT = 0.7986
WEIGHTS = {"posterior": 0.9357, "null": -4.5596}
