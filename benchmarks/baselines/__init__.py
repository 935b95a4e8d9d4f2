"""Hand-written training loops in each raw framework, doing the same computation as the workloads."""
