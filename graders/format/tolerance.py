"""The defaults of the tolerance policy, in one place (no torch here: exercise.toml loading uses
them too); graders.checks.compare applies the policy, docs/authoring.md gives the reasoning.

A value matches when |yours − expected| ≤ rtol·|expected| + atol·M, with M the largest |expected|
of the quantity compared; neither rtol nor atol goes below NOISE_ROUNDINGS roundings of the dtype.
"""
RTOL = 1e-5            # of each expected value: ~84 float32 roundings
ATOL = 1e-5            # of the largest |expected| of the quantity compared (M)
NOISE_ROUNDINGS = 64   # float32: 7.6e-6; float64 (and Python numbers): 1.4e-14
