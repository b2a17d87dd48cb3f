"""The debugger's views: frames and diffs of checkpoints and snapshots, and `turmeric ui`.

Sits above the durable workflows and the web server (it shows the former and is served
on the stack of the latter); nothing below imports it. Snapshots themselves (writing,
reading, `snapshot`/`breakpoint`) belong to `serialization.snapshot`, since servers and
workers below this package write them.

- `frames.py`: source places for checkpoint frames, diffs between two continuations
- `ui.py`: the browsable view served by `turmeric ui` (Starlette + uvicorn)
"""
