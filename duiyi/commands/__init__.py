"""One module per CLI subcommand: `add_arguments(parser)` and `run(args) -> int`.

Command modules import heavy libraries inside `run`, so `duiyi --help` stays fast. Option
values are checked as they are parsed, by the types in `_types` (a bad one: a usage error);
options that do not go together, by a module's `usage_error(args)`.
"""
