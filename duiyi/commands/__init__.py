"""One module per CLI subcommand: `add_arguments(parser)` and `run(args) -> int`.

Command modules import heavy libraries inside `run`, so `duiyi --help` stays fast.
"""
