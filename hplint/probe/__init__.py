"""`hplint probe`: a quick sanity run of the real model (SPEC §6), the only part of hplint that runs user code.

The parent (command.py) reads the options, the target and the project's facts without importing
torch or the user's code; a child process (child.py, a fresh interpreter in its own process
group) imports both, runs the checks (checks.py) and reports each as it finishes. The
arithmetic that needs no torch (lr_range.py, batch_search.py) is separate, and tested alone.
"""
