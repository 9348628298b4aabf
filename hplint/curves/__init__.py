"""`hplint curves`: read a training run's logs and say what its loss curves say (SPEC §6b, HP8xx).

files ──► read (one reader per format) ──► rows ──► columns chosen ──► TrainingLog (series of points)
      ──► one analysis per rule (pure functions) ──► findings ──► diagnostics ──► the reporters of `check`
"""
