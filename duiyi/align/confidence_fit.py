"""Constants of the bead confidence model (confidence.py). Generated, do not edit: refit with
`python benchmarks/align_calibration.py --write` (BENCHMARKS.md, "Confidence")."""

# fitted on mac-dev, aca, mag, bible-001: 8,396 beads, 631 of them wrong
INTERCEPT = 0.9523
WEIGHTS = {"posterior": 0.6475, "null": -5.0450}
