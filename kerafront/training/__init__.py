"""The training loop shared by every backend (compile/fit/evaluate/predict)."""
