"""Assignment: fair, explainable, conflict-aware assignment of cases to officers."""
