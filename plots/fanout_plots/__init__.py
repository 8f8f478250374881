"""fanout-bench plot and report tool; the entry point is plots/fanout_report.py."""
