"""Evaluation: quality of handled cases, corrective actions, officer reviews."""
