"""The host library by topic: numbers, strings, collections, options, predicates, files, control.

Each module registers its builtins with `@builtin` into `runtime.builtins.BUILTINS`;
`runtime.library` imports them in this order (the order is part of how a host value
is named in a blob when two names bind one function).
"""
